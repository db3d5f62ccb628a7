import { alertFingerprint, AlertReceived, severityFromLabel } from '@firebreak/contracts';
import { N8nIncident } from './n8n-incident.dto';

const iso = (value: string) => new Date(value).toISOString();

/** The receiver name the alert carries, so its origin shows in the mapper and the notifier. */
export const N8N_RECEIVER = 'n8n';

/**
 * An n8n incident as an Alertmanager alert would arrive: `type` is the alertname, the severity is
 * normalised (the severity label is the normalised one, so routes match it), namespace, resource,
 * cluster and the incident id are labels, and the fingerprint is Alertmanager's over those labels: the
 * same incident posted again has the same identity. Times come from the body only, never the clock,
 * so a retried post gets the same event id.
 */
export function n8nIncidentReceived(input: N8nIncident, now: Date): AlertReceived {
  const { alert, context } = input;
  const severity = severityFromLabel(alert.severity);
  const candidates: Record<string, string | undefined> = {
    ...alert.labels,
    alertname: alert.type,
    severity,
    namespace: alert.namespace,
    resource: alert.resource,
    cluster: context.cluster,
    incident_id: alert.id,
  };
  // Alertmanager treats an empty label value as an absent label.
  const labels = Object.fromEntries(
    Object.entries(candidates).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const where = [alert.resource, alert.namespace && `in ${alert.namespace}`, context.cluster && `(${context.cluster})`].filter(Boolean);
  const annotations: Record<string, string> = {
    ...alert.annotations,
    summary: alert.summary ?? (where.length > 0 ? `${alert.type}: ${where.join(' ')}` : alert.type),
    ...(alert.description !== undefined ? { description: alert.description } : {}),
    // The severity as the workflow spelt it, when normalising changed it.
    ...(alert.severity !== severity ? { original_severity: alert.severity } : {}),
  };
  return {
    source: 'api',
    receivedAt: now.toISOString(),
    receiver: N8N_RECEIVER,
    alert: {
      fingerprint: alertFingerprint(labels),
      status: alert.status,
      labels,
      annotations,
      severity,
      startsAt: iso(context.timestamp),
      endsAt: alert.status === 'resolved' && context.resolved_at ? iso(context.resolved_at) : null,
      generatorURL: alert.url ?? '',
    },
  };
}
