import { alertFingerprint } from '@firebreak/contracts';

export const DEMO_RUNBOOK = 'demo_ingress_probe';

export interface SampleAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * What the demo sends: one alert whose runbook probes the ingress it came through (`instance`, so the run
 * succeeds on this machine), and a group of two that only get analysed, to show grouping in the console.
 */
export function sampleAlerts(ingressHostPort: string): SampleAlert[] {
  return [
    {
      labels: { alertname: 'FirebreakDemoProbe', instance: ingressHostPort, job: 'firebreak-demo', severity: 'warning' },
      annotations: {
        summary: 'Sample alert from npm run demo: its runbook probes the ingress',
        description: 'Not a real problem. Watch it arrive, get analysed, run its runbook and resolve.',
        automation_runbook: DEMO_RUNBOOK,
      },
    },
    ...['queue-1', 'queue-2'].map((instance) => ({
      labels: { alertname: 'FirebreakDemoQueueBacklog', instance, job: 'firebreak-demo', queue: 'orders', severity: 'warning' },
      annotations: {
        summary: `Sample alert from npm run demo: the orders queue on ${instance} is backing up`,
        description: 'Not a real problem: two instances of one alert, grouped in the console. No runbook is mapped to it.',
      },
    })),
  ];
}

/** An Alertmanager v4 webhook notification carrying the alerts, firing or resolved. */
export function alertmanagerPayload(alerts: SampleAlert[], status: 'firing' | 'resolved', now: Date, startsAt: Date) {
  return {
    version: '4',
    groupKey: '{}:{job="firebreak-demo"}',
    truncatedAlerts: 0,
    status,
    receiver: 'firebreak',
    groupLabels: { job: 'firebreak-demo' },
    commonLabels: { job: 'firebreak-demo', severity: 'warning' },
    commonAnnotations: {},
    externalURL: 'http://firebreak-demo.invalid',
    alerts: alerts.map((alert) => ({
      status,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: startsAt.toISOString(),
      endsAt: status === 'resolved' ? now.toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: alertFingerprint(alert.labels),
    })),
  };
}

/** `host:port` of a base URL, the port made explicit (the probe's instance label). */
export function hostPort(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`;
}
