import { Counter, Gauge, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter {
  return (register.getSingleMetric(name) as Counter) ?? new Counter({ name, help, labelNames });
}

export const notifierMetrics = {
  sent: counter('firebreak_notifications_sent_total', 'Messages a provider accepted, by channel and severity.', ['channel', 'severity']),
  failed: counter(
    'firebreak_notifications_failed_total',
    'Messages given up on after their last attempt (or refused for good), by channel and severity.',
    ['channel', 'severity'],
  ),
  folded: counter(
    'firebreak_notifications_folded_total',
    'Queued messages folded into a summary message because a channel was over its rate limit.',
    ['channel'],
  ),
  skipped: counter(
    'firebreak_notifications_skipped_total',
    'Messages not sent: their channel is disabled (reason disabled), a newer announcement about the alert was already sent (reason superseded), or this replica was stalled past its claim and could not lease it anew, as another replica took it or Postgres refused (reason lease_over; whoever claims it next sends it).',
    ['channel', 'reason'],
  ),
  outcomesUnwritten:
    (register.getSingleMetric('firebreak_notification_outcomes_unwritten') as Gauge) ??
    new Gauge({
      name: 'firebreak_notification_outcomes_unwritten',
      help: 'Provider answers kept in memory because Postgres could not be written; they are written once it is back (meanwhile the replica claims nothing).',
    }),
  inFlight:
    (register.getSingleMetric('firebreak_notification_sends_in_flight') as Gauge) ??
    new Gauge({
      name: 'firebreak_notification_sends_in_flight',
      help: 'Sends waiting for their provider, by channel (at most its concurrency).',
      labelNames: ['channel'],
    }),
  retried: counter(
    'firebreak_notification_retries_total',
    'Attempts that will be retried, by channel and reason (throttled, server_error, network).',
    ['channel', 'reason'],
  ),
  chatPresses: counter(
    'firebreak_notifier_chat_presses_total',
    'Chat button presses, by chat (slack, telegram) and result (requested, duplicate, unmapped, forbidden, invalid, unauthenticated).',
    ['via', 'result'],
  ),
  latency:
    (register.getSingleMetric('firebreak_notification_delivery_latency_seconds') as Histogram) ??
    new Histogram({
      name: 'firebreak_notification_delivery_latency_seconds',
      help: "From the alert's receipt at the ingress to the provider's answer, by channel.",
      labelNames: ['channel'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    }),
};
