// Load-test bodies shared by the benchmarks (npm run bench, the ingress and mapper benches): new alerts every time.
import { alertFingerprint, AlertReceived } from '@firebreak/contracts';

const STARTS = '2026-11-22T10:45:04Z';
const ZERO = '0001-01-01T00:00:00Z';

function labels(run: string, sequence: number, index: number): Record<string, string> {
  return {
    alertname: 'BenchServiceDown',
    instance: `host-${sequence}-${index}:9100`,
    job: 'node',
    service: 'bench',
    severity: 'warning',
    run,
  };
}

/** An Alertmanager webhook v4 body with `count` alerts no earlier request had. */
export function webhookBody(run: string, sequence: number, count: number): string {
  return webhookBatch(run, sequence, count).body;
}

/** The same webhook body, with the fingerprints of its alerts (what the channel's receiver counts by). */
export function webhookBatch(run: string, sequence: number, count: number): { body: string; fingerprints: string[] } {
  const alerts = Array.from({ length: count }, (_, index) => {
    const set = labels(run, sequence, index);
    return {
      status: 'firing',
      labels: set,
      annotations: { summary: `Instance ${set.instance} down`, description: 'bench' },
      startsAt: STARTS,
      endsAt: ZERO,
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
      fingerprint: alertFingerprint(set),
    };
  });
  const body = JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="BenchServiceDown"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname: 'BenchServiceDown' },
    commonLabels: { alertname: 'BenchServiceDown', job: 'node', service: 'bench', severity: 'warning', run },
    commonAnnotations: { description: 'bench' },
    externalURL: 'http://alertmanager.example:9093',
    alerts,
  });
  return { body, fingerprints: alerts.map((alert) => alert.fingerprint) };
}

/** The same alerts as Alertmanager's own `POST /api/v2/alerts` takes them. */
export function alertmanagerBody(run: string, sequence: number, count: number): string {
  return JSON.stringify(
    Array.from({ length: count }, (_, index) => ({
      labels: labels(run, sequence, index),
      annotations: { summary: 'down', description: 'bench' },
      startsAt: new Date().toISOString(),
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
    })),
  );
}

/** The alerts.received data the ingress would publish for one alert. */
export function receivedData(run: string, sequence: number): AlertReceived {
  const set = labels(run, sequence, 0);
  return {
    source: 'alertmanager',
    receivedAt: new Date().toISOString(),
    receiver: 'firebreak',
    groupKey: '{}:{alertname="BenchServiceDown"}',
    externalURL: 'http://alertmanager.example:9093',
    alert: {
      fingerprint: alertFingerprint(set),
      status: 'firing',
      labels: set,
      annotations: { summary: 'down', description: 'bench' },
      severity: 'warning',
      startsAt: new Date(STARTS).toISOString(),
      endsAt: null,
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
    },
  };
}
