import { alertFingerprint } from '@firebreak/contracts';

export const ALERTS_PER_REQUEST = 10;
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface SenderStats {
  requests: number;
  /** Requests that needed at least one more attempt before the ingress accepted them. */
  retriedRequests: number;
  attempts: number;
  /** Failed attempts by cause: `503`, `500`, `ECONNREFUSED`, `timeout`, ... */
  failures: Record<string, number>;
  /** 4xx answers: never retried (an Alertmanager drops them), so each is a group lost at the edge. */
  rejected: Array<{ request: number; status: number; body: string }>;
}

export interface PhaseOptions {
  status: 'firing' | 'resolved';
  /** Requests sent at once. */
  inFlight: number;
  /** Pace: at most this many requests started per second. */
  requestsPerSec: number;
  /** The sender does not start request `i` while `i >= gate()` (the fault plan holds it back). */
  gate?: () => number;
}

export interface ChaosAlert {
  labels: Record<string, string>;
  fingerprint: string;
}

/**
 * Behaves like Alertmanager's webhook notifier: POSTs webhook v4 groups of 10 unique alerts, retries
 * on 5xx and on connection errors with exponential backoff until accepted, never on 4xx.
 */
export class AlertmanagerLikeSender {
  readonly alerts: ChaosAlert[];
  readonly stats: SenderStats = { requests: 0, retriedRequests: 0, attempts: 0, failures: {}, rejected: [] };
  /** Requests of the current phase started so far (the fault plan triggers on it). */
  started = 0;
  private readonly startsAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000).toISOString();

  constructor(
    private readonly url: string,
    private readonly token: string,
    readonly run: string,
    count: number,
  ) {
    this.alerts = Array.from({ length: count }, (_, index) => {
      const labels = {
        alertname: 'ChaosServiceDown',
        instance: `chaos-${index}:9100`,
        job: 'node',
        service: 'chaos',
        severity: 'critical',
        run,
      };
      return { labels, fingerprint: alertFingerprint(labels) };
    });
  }

  get requestCount(): number {
    return Math.ceil(this.alerts.length / ALERTS_PER_REQUEST);
  }

  /** Sends every alert once with `status`, each request until it is accepted (or refused with a 4xx). */
  async phase(options: PhaseOptions): Promise<void> {
    const endsAt = options.status === 'resolved' ? new Date(Math.floor(Date.now() / 1000) * 1000).toISOString() : ZERO_TIME;
    this.started = 0;
    const total = this.requestCount;
    const spacingMs = 1000 / options.requestsPerSec;
    const begun = Date.now();
    let next = 0;
    const worker = async () => {
      for (;;) {
        while (options.gate && next < total && next >= options.gate()) await sleep(50);
        if (next >= total) return;
        const index = next++;
        const due = begun + index * spacingMs;
        if (due > Date.now()) await sleep(due - Date.now());
        this.started++;
        await this.send(index, this.body(index, options.status, endsAt));
      }
    };
    await Promise.all(Array.from({ length: options.inFlight }, worker));
  }

  private body(index: number, status: 'firing' | 'resolved', endsAt: string): string {
    const alerts = this.alerts.slice(index * ALERTS_PER_REQUEST, (index + 1) * ALERTS_PER_REQUEST).map((alert) => ({
      status,
      labels: alert.labels,
      annotations: { summary: `${alert.labels.instance} is down`, description: 'chaos storm' },
      startsAt: this.startsAt,
      endsAt,
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
      fingerprint: alert.fingerprint,
    }));
    return JSON.stringify({
      version: '4',
      groupKey: `{}/{run="${this.run}"}:{alertname="ChaosServiceDown", instance_group="${index}"}`,
      truncatedAlerts: 0,
      status,
      receiver: 'firebreak',
      groupLabels: { alertname: 'ChaosServiceDown' },
      commonLabels: { alertname: 'ChaosServiceDown', job: 'node', service: 'chaos', severity: 'critical', run: this.run },
      commonAnnotations: { description: 'chaos storm' },
      externalURL: 'http://alertmanager.example:9093',
      alerts,
    });
  }

  private async send(index: number, body: string): Promise<void> {
    this.stats.requests++;
    for (let attempt = 0; ; attempt++) {
      this.stats.attempts++;
      if (attempt === 1) this.stats.retriedRequests++;
      let cause: string;
      try {
        const response = await fetch(this.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        const text = await response.text();
        if (response.status >= 200 && response.status < 300) return;
        if (response.status < 500) {
          this.stats.rejected.push({ request: index, status: response.status, body: text.slice(0, 300) });
          return;
        }
        cause = String(response.status);
      } catch (error) {
        cause = causeOf(error);
      }
      this.stats.failures[cause] = (this.stats.failures[cause] ?? 0) + 1;
      // Alertmanager's backoff: exponential with jitter, capped.
      await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2));
    }
  }
}

function causeOf(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
  const cause = (error as { cause?: { code?: string } })?.cause;
  return cause?.code ?? (error instanceof Error ? error.message : String(error));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
