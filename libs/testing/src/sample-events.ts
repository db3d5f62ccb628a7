import { AlertReceived } from '@firebreak/contracts';

/** A valid `alerts.received` payload for tests of the bus and its consumers; override what matters. */
export function sampleAlertReceived(overrides: { fingerprint?: string; labels?: Record<string, string> } = {}): AlertReceived {
  const now = new Date().toISOString();
  return {
    source: 'api',
    receivedAt: now,
    alert: {
      fingerprint: overrides.fingerprint ?? 'aaaaaaaaaaaaaaaa',
      status: 'firing',
      labels: overrides.labels ?? { alertname: 'ServiceDown' },
      annotations: {},
      severity: 'critical',
      startsAt: now,
      endsAt: null,
      generatorURL: '',
    },
  };
}
