import pino from 'pino';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { context, propagation, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlertReceived, CloudEvent, DataOf, streamDefinitions, parseDeadLetter } from '@firebreak/contracts';
import { resolveNatsUrl, uniqueTestId, waitFor, sampleAlertReceived } from '@firebreak/testing';
import { BusConnection } from './connection';
import { EventConsumer } from './consumer';
import { DependencyUnavailableError, PermanentError } from './errors';
import { EventPublisher } from './publisher';
import { provisionStreams } from './streams';
import { SubjectNames } from './subjects';

const logger = pino({ level: 'silent' });

const alertReceived = (fingerprint = 'aaaaaaaaaaaaaaaa') => sampleAlertReceived({ fingerprint });

describe('bus against real JetStream', () => {
  let connection: BusConnection;
  let publisher: EventPublisher;
  let subjects: SubjectNames;
  const consumers: Array<EventConsumer<'alerts.received'>> = [];

  beforeAll(async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    subjects = new SubjectNames(uniqueTestId('bus'));
    connection = await BusConnection.connect({ natsUrl: await resolveNatsUrl(), name: 'bus-test', logger });
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

  // Every test's durable sees the whole stream; each test looks only at its own fingerprint.
  function consume(
    durable: string,
    fingerprint: string,
    handler: (event: CloudEvent<DataOf<'alerts.received'>>, delivery: number) => Promise<void>,
    retry = { maxDeliver: 3, backoffMs: [50, 100] },
  ) {
    const consumer = new EventConsumer(
      connection,
      publisher,
      subjects,
      {
        subject: 'alerts.received',
        durable,
        handler: async (event, ctx) => (event.data.alert.fingerprint === fingerprint ? handler(event, ctx.deliveryCount) : undefined),
        retry,
      },
      logger,
    );
    consumers.push(consumer);
    return consumer.start();
  }

  async function deadLetters(): Promise<ReturnType<typeof parseDeadLetter>[]> {
    const stream = await connection.js.streams.get(
      streamDefinitions({ subjectPrefix: subjects.prefix }).find((s) => s.name.startsWith('FIREBREAK_DLQ'))!.name,
    );
    const info = await stream.info();
    const letters = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const msg = await stream.getMessage({ seq });
      if (msg) letters.push(parseDeadLetter(msg.json()));
    }
    return letters;
  }

  it('publishes and consumes a validated event, then acks it', async () => {
    const received: string[] = [];
    await consume('ok', 'aaaaaaaaaaaaaaaa', async (event) => {
      received.push(event.id);
    });
    const { event, ack } = await publisher.publish('alerts.received', alertReceived());
    expect(ack.duplicate).toBe(false);
    await waitFor(() => received.includes(event.id), { message: 'event not consumed' });
    const info = await connection.jsm.consumers.info(ack.stream, 'ok');
    await waitFor(async () => (await connection.jsm.consumers.info(ack.stream, 'ok')).num_ack_pending === 0, { message: 'not acked' });
    expect(info.delivered.consumer_seq).toBeGreaterThanOrEqual(1);
  });

  it('drops a second publish of the same event id inside the duplicate window', async () => {
    const first = await publisher.publish('alerts.received', alertReceived(), { id: 'same-id-1' });
    const second = await publisher.publish('alerts.received', alertReceived(), { id: 'same-id-1' });
    expect(first.ack.duplicate).toBe(false);
    expect(second.ack.duplicate).toBe(true);
    expect(second.ack.seq).toBe(first.ack.seq);
  });

  it('keeps many publishes in flight and acknowledges each one', async () => {
    const items = Array.from({ length: 500 }, () => ({ subject: 'alerts.received' as const, data: alertReceived() }));
    const results = await publisher.publishMany(items);
    expect(new Set(results.map((result) => result.ack.seq)).size).toBe(500);
  });

  it('refuses to publish data that breaks the contract', async () => {
    const bad = { ...alertReceived(), alert: { ...alertReceived().alert, severity: 'urgent' } } as unknown as AlertReceived;
    await expect(publisher.publish('alerts.received', bad)).rejects.toThrow(/data\.alert\.severity/);
  });

  it('redelivers a failing handler with backoff and dead-letters it after the last delivery', async () => {
    const deliveries: number[] = [];
    await consume('flaky', 'bbbbbbbbbbbbbbbb', async (_event, delivery) => {
      deliveries.push(delivery);
      throw new Error('database unavailable');
    });
    const { event } = await publisher.publish('alerts.received', alertReceived('bbbbbbbbbbbbbbbb'));
    await waitFor(async () => (await deadLetters()).some((letter) => letter.data.originalEventId === event.id), {
      message: 'not dead-lettered',
    });
    expect(deliveries).toEqual([1, 2, 3]);
    const letter = (await deadLetters()).find((entry) => entry.data.originalEventId === event.id)!;
    expect(letter.data).toMatchObject({
      reason: 'handler_failed',
      consumer: 'flaky',
      deliveries: 3,
      error: 'database unavailable',
      originalSubject: 'alerts.received',
    });
    expect(JSON.parse(letter.data.payload).id).toBe(event.id);
  });

  it('does not count an outage towards the limit: after six deliveries waiting out Postgres, two failures are still retried', async () => {
    const deliveries: number[] = [];
    let handled = false;
    await consume('outage-then-flaky', '0123456789abcdef', async (_event, delivery) => {
      deliveries.push(delivery);
      if (delivery <= 6) throw new DependencyUnavailableError('postgres', { cause: new Error('connect ECONNREFUSED') });
      if (delivery <= 8) throw new Error('a bug that a retry gets past');
      handled = true;
    });
    const { event } = await publisher.publish('alerts.received', alertReceived('0123456789abcdef'));
    await waitFor(async () => handled, { message: 'not handled after the outage and two failures' });
    expect(deliveries).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await deadLetters()).filter((letter) => letter.data.originalEventId === event.id)).toEqual([]);
  });

  it('dead-letters invalid data at once without calling the handler', async () => {
    let called = 0;
    await consume('strict', 'ffffffffffffffff', async () => {
      called++;
    });
    const h = natsHeaders();
    h.set('Nats-Msg-Id', 'garbage-1');
    await connection.js.publish(subjects.wire('alerts.received'), JSON.stringify({ specversion: '1.0', id: 'garbage-1', data: {} }), {
      headers: h,
    });
    await waitFor(async () => (await deadLetters()).some((letter) => letter.data.originalEventId === 'garbage-1'), {
      message: 'invalid message not dead-lettered',
    });
    const letter = (await deadLetters()).find((entry) => entry.data.originalEventId === 'garbage-1')!;
    expect(letter.data.reason).toBe('invalid');
    expect(letter.data.deliveries).toBe(1);
    expect(letter.data.error).toMatch(/source/);
    expect(called).toBe(0);
  });

  it('dead-letters a permanent error on its first delivery', async () => {
    await consume('permanent', 'cccccccccccccccc', async () => {
      throw new PermanentError('no such runbook');
    });
    const { event } = await publisher.publish('alerts.received', alertReceived('cccccccccccccccc'));
    await waitFor(async () =>
      (await deadLetters()).some((letter) => letter.data.originalEventId === event.id && letter.data.reason === 'permanent_error'),
    );
  });

  it('dead-letters a message near the size limit with its payload cut, instead of redelivering it for ever', async () => {
    await consume('near-limit', 'fedcba9876543210', async () => {
      throw new PermanentError('refused');
    });
    const big = alertReceived('fedcba9876543210');
    // Fits as it is, but quoted once more inside the dead letter its quotes and backslashes take it past max_payload.
    const quotes = 50_000;
    big.alert.annotations = { blob: 'x'.repeat(publisher.maxEventBytes() - 80_000 - quotes) + '"'.repeat(quotes) };
    const { event } = await publisher.publish('alerts.received', big);
    await waitFor(async () => (await deadLetters()).some((letter) => letter.data.originalEventId === event.id), {
      timeoutMs: 15_000,
      message: 'not dead-lettered',
    });
    const letter = (await deadLetters()).find((entry) => entry.data.originalEventId === event.id)!;
    expect(letter.data.error).toMatch(/^refused \(payload cut to \d+ characters to fit the dead-letter message\)$/);
    expect(letter.data.payload.length).toBeLessThan(publisher.maxEventBytes() / 4);
  });

  it('carries the trace context across the bus', async () => {
    let seenTraceId: string | undefined;
    await consume('traced', 'dddddddddddddddd', async () => {
      seenTraceId = trace.getSpanContext(context.active())?.traceId;
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true });
    await context.with(parent, () => publisher.publish('alerts.received', alertReceived('dddddddddddddddd')));
    await waitFor(() => seenTraceId !== undefined, { message: 'not consumed, or consumed without a trace context' });
    expect(seenTraceId).toBe(traceId);
  });

  it('acks every message of a burst exactly once (the acks of a turn leave together)', async () => {
    const deliveries = new Map<string, number>();
    await consume('burst', 'ffffffffffffffff', async (event) => {
      deliveries.set(event.id, (deliveries.get(event.id) ?? 0) + 1);
    });
    const published = await publisher.publishMany(
      Array.from({ length: 300 }, () => ({ subject: 'alerts.received' as const, data: alertReceived('ffffffffffffffff') })),
    );
    await waitFor(() => published.every((entry) => deliveries.has(entry.event.id)), { message: () => `handled ${deliveries.size} of 300` });
    // Acks lost would keep messages pending until their ack wait (30 s) ran out.
    await waitFor(async () => (await connection.jsm.consumers.info(published[0].ack.stream, 'burst')).num_ack_pending === 0, {
      message: 'not every message acked',
    });
    expect([...deliveries.values()].every((count) => count === 1)).toBe(true);
  });

  it('drains without losing a message: in-flight handlers finish, the rest stay for the next consumer', async () => {
    const handled = new Set<string>();
    await consume('drain', 'eeeeeeeeeeeeeeee', async (event) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      handled.add(event.id);
    });
    const published = await publisher.publishMany(
      Array.from({ length: 100 }, () => ({ subject: 'alerts.received' as const, data: alertReceived('eeeeeeeeeeeeeeee') })),
    );
    await waitFor(() => handled.size >= 10, { message: 'nothing handled before drain' });
    await consumers.pop()!.drain();
    await consume('drain', 'eeeeeeeeeeeeeeee', async (event) => {
      handled.add(event.id);
    });
    await waitFor(() => published.every((entry) => handled.has(entry.event.id)), {
      timeoutMs: 45_000,
      message: () => `handled ${handled.size} of 100`,
    });
  });
});
