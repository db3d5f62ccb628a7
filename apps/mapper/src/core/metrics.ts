import { Counter, Gauge, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[] = []): Counter {
  return (register.getSingleMetric(name) as Counter) ?? new Counter({ name, help, labelNames });
}

export interface ActiveAlertCount {
  severity: string;
  status: string;
  count: number;
}

/** Where the active-alerts gauge reads from at scrape time; the latest app instance sets it. */
export const activeAlertsSource: { read?: () => Promise<ActiveAlertCount[]> } = {};

/** Where the unreadable-silences gauge reads from at scrape time; the latest app instance sets it. */
export const unreadableSilencesSource: { read?: () => Promise<number> } = {};

/**
 * Whether a runbook id is one an operator mapped (file or runtime mappings); the mapping resolver sets it.
 * Anything else came from an alert's own `automation_runbook` annotation, which any sender can fill.
 */
export const knownRunbooks: { has?: (runbookId: string) => boolean } = {};

/** The `runbook` label of a request counter: an id a sender chose and no operator mapped is `unknown`, so senders cannot grow series without bound. */
export function runbookLabel(runbookId: string): string {
  return knownRunbooks.has?.(runbookId) ? runbookId : 'unknown';
}

function runbookCounter(name: string, help: string): { inc(labels: { runbook: string }): void } {
  const inner = counter(name, help, ['runbook']);
  return { inc: (labels) => inner.inc({ runbook: runbookLabel(labels.runbook) }) };
}

export const mapperMetrics = {
  deduplicated: counter(
    'firebreak_alerts_deduplicated_total',
    'Firing alerts folded into an alert already active, without an announcement.',
  ),
  sent: counter('firebreak_alerts_sent_total', 'Announcements (alerts.notify) made, by kind.', ['kind']),
  silenced: counter('firebreak_alerts_silenced_total', 'Alert events kept quiet by a silence.'),
  stale: counter('firebreak_alerts_stale_total', 'Alert events older than the state already held, recorded and otherwise ignored.'),
  runbooksRequested: runbookCounter(
    'firebreak_runbooks_requested_total',
    'runbooks.requested published for newly firing mapped alerts, by runbook (`unknown`: an annotation named a runbook no mapping has).',
  ),
  runbooksSuppressed: runbookCounter(
    'firebreak_runbooks_suppressed_total',
    'Runbooks a mapped alert would have requested while automation was off, by runbook (`unknown` as for requests).',
  ),
  clockSkewClamped: counter(
    'firebreak_alerts_clock_skew_clamped_total',
    'Alert events whose own time (field startsAt or endsAt) lay further than FIREBREAK_MAX_CLOCK_SKEW past their receipt and was ordered as the receipt.',
    ['field'],
  ),
  escalated: counter('firebreak_alerts_escalated_total', 'Alerts announced as escalated, by reason (unacknowledged, runbook_failed).', [
    'reason',
  ]),
  active:
    (register.getSingleMetric('firebreak_alerts_active') as Gauge) ??
    new Gauge({
      name: 'firebreak_alerts_active',
      help: 'Alerts not resolved, by severity and lifecycle status (read at scrape time).',
      labelNames: ['severity', 'status'],
      async collect() {
        if (!activeAlertsSource.read) return;
        try {
          const counts = await activeAlertsSource.read();
          this.reset();
          for (const row of counts) this.set({ severity: row.severity, status: row.status }, row.count);
        } catch {
          // Postgres away: the scrape keeps the last values rather than failing.
        }
      },
    }),
  unreadableSilences:
    (register.getSingleMetric('firebreak_silences_unreadable') as Gauge) ??
    new Gauge({
      name: 'firebreak_silences_unreadable',
      help: 'Silences not over yet whose stored matchers no longer parse, and so are not applied (read at scrape time).',
      async collect() {
        if (!unreadableSilencesSource.read) return;
        try {
          this.set(await unreadableSilencesSource.read());
        } catch {
          // Postgres away: the scrape keeps the last value rather than failing.
        }
      },
    }),
};
