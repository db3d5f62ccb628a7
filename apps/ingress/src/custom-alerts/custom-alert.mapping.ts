import { alertFingerprint, AlertReceived } from '@firebreak/contracts';
import { CustomAlert } from './custom-alert.dto';

const iso = (value: string) => new Date(value).toISOString();

/**
 * A custom alert as an Alertmanager alert would arrive: name and severity become the `alertname`
 * and `severity` labels, and the fingerprint is Alertmanager's over all labels, so the same alert
 * posted again (or raised by Alertmanager) has the same identity.
 */
export function customAlertReceived(input: CustomAlert, now: Date): AlertReceived {
  // Alertmanager treats an empty label value as an absent label.
  const labels = Object.fromEntries(
    Object.entries({ ...input.labels, alertname: input.name, severity: input.severity }).filter(([, value]) => value !== ''),
  );
  const annotations = {
    ...input.annotations,
    summary: input.summary,
    ...(input.description !== undefined ? { description: input.description } : {}),
  };
  const resolved = input.status === 'resolved';
  return {
    source: 'api',
    receivedAt: now.toISOString(),
    alert: {
      fingerprint: alertFingerprint(labels),
      status: input.status,
      labels,
      annotations,
      severity: input.severity,
      startsAt: input.startsAt ? iso(input.startsAt) : now.toISOString(),
      endsAt: resolved ? (input.endsAt ? iso(input.endsAt) : now.toISOString()) : null,
      generatorURL: input.generatorURL ?? '',
    },
  };
}
