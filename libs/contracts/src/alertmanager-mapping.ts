import { AlertmanagerAlert, AlertmanagerWebhook, ALERTMANAGER_ZERO_TIME } from './alertmanager';
import { Alert, AlertReceived } from './alerts';
import { alertFingerprint } from './fingerprint';
import { severityFromLabel } from './severity';

function isoOrNull(value: string | undefined): string | null {
  if (!value || value === ALERTMANAGER_ZERO_TIME) return null;
  const time = Date.parse(value);
  // Go's zero time and anything before the epoch mean "not set" in Alertmanager's model.
  return time > 0 ? new Date(time).toISOString() : null;
}

/** Alertmanager's alert as Firebreak carries it. Its own status wins over the group's. */
export function normaliseAlertmanagerAlert(alert: AlertmanagerAlert): Alert {
  // An empty label is an absent one (Prometheus's model). Most alerts have none: those keep their parsed labels.
  const labels = Object.values(alert.labels).includes('')
    ? Object.fromEntries(Object.entries(alert.labels).filter(([, value]) => value !== ''))
    : alert.labels;
  return {
    fingerprint: alert.fingerprint ?? alertFingerprint(labels),
    status: alert.status,
    labels,
    annotations: alert.annotations,
    severity: severityFromLabel(labels.severity),
    startsAt: isoOrNull(alert.startsAt) ?? new Date(0).toISOString(),
    endsAt: alert.status === 'resolved' ? isoOrNull(alert.endsAt) : null,
    generatorURL: alert.generatorURL,
  };
}

export function alertsReceivedFromWebhook(webhook: AlertmanagerWebhook, receivedAt: Date): AlertReceived[] {
  const at = receivedAt.toISOString();
  return webhook.alerts.map((alert) => ({
    source: 'alertmanager',
    receivedAt: at,
    receiver: webhook.receiver,
    groupKey: webhook.groupKey,
    externalURL: webhook.externalURL,
    alert: normaliseAlertmanagerAlert(alert),
  }));
}
