import pino from 'pino';
import { streamDefinitions } from '@firebreak/contracts';
import { resolveNatsUrl, sampleAlertReceived, uniqueTestId, waitFor } from '@firebreak/testing';
import { BusConnection } from './connection';
import { EventConsumer, EventHandler } from './consumer';
import { busMetrics } from './metrics';
import { EventPublisher } from './publisher';
import { provisionStreams } from './streams';
import { SubjectNames } from './subjects';

const logger = pino({ level: 'silent' });

/** The consume-delay histogram's count and sum (seconds) for one durable. */
async function delayOf(durable: string): Promise<{ count: number; sum: number }> {
  const { values } = await busMetrics.consumeDelay.get();
  const value = (name: string) =>
    values.find((entry) => entry.metricName === `firebreak_bus_consume_delay_seconds_${name}` && entry.labels.consumer === durable)
      ?.value ?? 0;
  return { count: value('count'), sum: value('sum') };
}

describe('consume delay: the queueing half of a stage, against real JetStream', () => {
  let connection: BusConnection;
  let publisher: EventPublisher;
  let subjects: SubjectNames;
  const consumers: Array<EventConsumer<'alerts.received'>> = [];

  beforeAll(async () => {
    subjects = new SubjectNames(uniqueTestId('delay'));
    connection = await BusConnection.connect({ natsUrl: await resolveNatsUrl(), name: 'delay-test', logger });
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: subjects.prefix }), logger);
    publisher = new EventPublisher(connection, { source: 'ingress', subjects, publishTimeoutMs: 5000 });
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.drain()));
  });

  afterAll(async () => {
    for (const stream of streamDefinitions({ subjectPrefix: subjects.prefix }))
      await connection.jsm.streams.delete(stream.name).catch(() => undefined);
    publisher.close();
    await connection.drain();
  });

  function start(durable: string, handler: EventHandler<'alerts.received'>): Promise<void> {
    const consumer = new EventConsumer(
      connection,
      publisher,
      subjects,
      { subject: 'alerts.received', durable, handler, retry: { maxDeliver: 3, backoffMs: [50, 100] } },
      logger,
    );
    consumers.push(consumer);
    return consumer.start();
  }

  it('counts the time a message waited in the stream before its handler ran, once per message, each handled once and in order', async () => {
    const durable = uniqueTestId('waited');
    const fingerprints = ['aaaaaaaaaaaaaa01', 'aaaaaaaaaaaaaa02', 'aaaaaaaaaaaaaa03'];
    // Stored while no consumer runs: each waits at least the pause below before any handler can start.
    for (const fingerprint of fingerprints) await publisher.publish('alerts.received', sampleAlertReceived({ fingerprint }));
    const storedBy = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const handled: string[] = [];
    await start(durable, async (event) => void handled.push(event.data.alert.fingerprint));
    await waitFor(() => handled.length >= fingerprints.length);
    const startedBy = Date.now();
    await waitFor(async () => (await delayOf(durable)).count === fingerprints.length);

    const { count, sum } = await delayOf(durable);
    expect(handled).toEqual(fingerprints);
    expect(count).toBe(fingerprints.length);
    // The wait is stream time, not handler time (the handlers take microseconds): at least the pause each,
    // at most what passed between the last publish and the last handler.
    expect(sum).toBeGreaterThanOrEqual((fingerprints.length * 1_000) / 1000);
    expect(sum).toBeLessThanOrEqual((fingerprints.length * (startedBy - storedBy + 1_000)) / 1000);
  });

  it('leaves a redelivery out: its wait is the retry backoff, not a queue', async () => {
    const durable = uniqueTestId('retried');
    const mine = 'bbbbbbbbbbbbbb01';
    const deliveries: number[] = [];
    // A new durable sees the whole stream: the first test's three messages, then this one.
    await start(durable, async (event, ctx) => {
      if (event.data.alert.fingerprint !== mine) return;
      deliveries.push(ctx.deliveryCount);
      if (ctx.deliveryCount === 1) throw new Error('first delivery fails');
    });
    await publisher.publish('alerts.received', sampleAlertReceived({ fingerprint: mine }));
    await waitFor(() => deliveries.length >= 2);
    // Acknowledged on its second delivery: no third comes (the backoff of a third would be 100 ms).
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(deliveries).toEqual([1, 2]);
    // One per message (3 + 1), not one per delivery (3 + 2).
    expect((await delayOf(durable)).count).toBe(4);
  });
});
