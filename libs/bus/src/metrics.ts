import { Counter, Gauge, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter {
  return (register.getSingleMetric(name) as Counter) ?? new Counter({ name, help, labelNames });
}

export const busMetrics = {
  published: counter('firebreak_bus_published_total', 'Events acknowledged by JetStream, by subject.', ['subject']),
  publishFailed: counter('firebreak_bus_publish_failed_total', 'Publishes JetStream did not acknowledge, by subject.', ['subject']),
  duplicates: counter('firebreak_bus_publish_duplicates_total', 'Publishes JetStream dropped as duplicates of an earlier event id.', [
    'subject',
  ]),
  consumed: counter('firebreak_bus_consumed_total', 'Messages settled by a consumer, by subject, consumer and result.', [
    'subject',
    'consumer',
    'result',
  ]),
  outboxDead: counter(
    'firebreak_outbox_dead_total',
    'Outbox rows set aside after their last publish attempt (or at once when they can never be published), by subject.',
    ['subject'],
  ),
  deadLettered: counter('firebreak_bus_dead_lettered_total', 'Messages sent to the dead-letter stream.', ['subject', 'consumer', 'reason']),
  handlerDuration:
    (register.getSingleMetric('firebreak_bus_handler_duration_seconds') as Histogram) ??
    new Histogram({
      name: 'firebreak_bus_handler_duration_seconds',
      help: 'Time a consumer handler took, by subject and consumer.',
      labelNames: ['subject', 'consumer'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
  // The queueing half of a stage's latency (handlerDuration is the other): a first delivery's wait from
  // JetStream storing it to its handler starting, in the stream and in the consumer's buffer. Redeliveries
  // are left out: their wait is the retry backoff, not a queue.
  consumeDelay:
    (register.getSingleMetric('firebreak_bus_consume_delay_seconds') as Histogram) ??
    new Histogram({
      name: 'firebreak_bus_consume_delay_seconds',
      help: 'Time from JetStream storing a message to its handler starting (first deliveries), by subject and consumer.',
      labelNames: ['subject', 'consumer'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    }),
  consumerPending:
    (register.getSingleMetric('firebreak_bus_consumer_pending') as Gauge) ??
    new Gauge({
      name: 'firebreak_bus_consumer_pending',
      help: 'Messages waiting for (or being handled by) a durable consumer.',
      labelNames: ['stream', 'consumer'],
    }),
  connected:
    (register.getSingleMetric('firebreak_bus_connected') as Gauge) ??
    new Gauge({ name: 'firebreak_bus_connected', help: '1 while the NATS connection is up.' }),
};

type Labels = Record<string, string>;

/** A consumer's metric labels, built once for it rather than per message (prom-client only reads them). */
export interface ConsumerLabels {
  consumer: Labels;
  ok: Labels;
  retry: Labels;
  deadLettered: Labels;
}

export function consumerLabels(subject: string, durable: string): ConsumerLabels {
  const consumer = { subject, consumer: durable };
  return {
    consumer,
    ok: { ...consumer, result: 'ok' },
    retry: { ...consumer, result: 'retry' },
    deadLettered: { ...consumer, result: 'dead_lettered' },
  };
}
