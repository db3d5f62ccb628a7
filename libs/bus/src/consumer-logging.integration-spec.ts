import pino from 'pino';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CloudEvent, DataOf, streamDefinitions } from '@firebreak/contracts';
import { resolveNatsUrl, sampleAlertReceived, uniqueTestId, waitFor } from '@firebreak/testing';
import { BusConnection } from './connection';
import { EventConsumer, HandlerContext } from './consumer';
import { EventPublisher } from './publisher';
import { provisionStreams } from './streams';
import { SubjectNames } from './subjects';

type LogLine = Record<string, unknown> & { msg: string; level: number };

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const OTHER_TRACE_ID = '5ce0a4688c8945eba4df03a0f1f58e0b';
const PARENT_SPAN_ID = '00f067aa0ba902b7';

/** What a handler's `ctx.log` writes, with tracing off (the default) and on. */
describe('consumer logs and spans', () => {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  let connection: BusConnection;
  let publisher: EventPublisher;
  let subjects: SubjectNames;
  const consumers: Array<EventConsumer<'alerts.received'>> = [];

  beforeAll(async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    subjects = new SubjectNames(uniqueTestId('consumer-log'));
    connection = await BusConnection.connect({
      natsUrl: await resolveNatsUrl(),
      name: 'consumer-log-test',
      logger: pino({ level: 'silent' }),
    });
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: subjects.prefix }), pino({ level: 'silent' }));
    publisher = new EventPublisher(connection, { source: 'ingress', subjects, publishTimeoutMs: 5000 });
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.drain()));
  });

  afterAll(async () => {
    trace.disable();
    for (const stream of streamDefinitions({ subjectPrefix: subjects.prefix }))
      await connection.jsm.streams.delete(stream.name).catch(() => undefined);
    publisher.close();
    await connection.drain();
  });

  /** Consumes as `durable`, handing the handler only the events of `fingerprint` (the stream is shared). */
  async function consume(
    durable: string,
    fingerprint: string,
    handler: (event: CloudEvent<DataOf<'alerts.received'>>, ctx: HandlerContext) => Promise<void>,
  ): Promise<void> {
    const consumer = new EventConsumer(
      connection,
      publisher,
      subjects,
      {
        subject: 'alerts.received',
        durable,
        handler: async (event, ctx) => (event.data.alert.fingerprint === fingerprint ? handler(event, ctx) : undefined),
        retry: { maxDeliver: 3, backoffMs: [50, 100] },
      },
      logger,
    );
    consumers.push(consumer);
    await consumer.start();
  }

  /** Publishes as a caller inside a trace would: the event carries its traceparent. */
  async function publishTraced(fingerprint: string, traceId: string): Promise<CloudEvent<unknown>> {
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: PARENT_SPAN_ID, traceFlags: 1, isRemote: true });
    const { event } = await context.with(parent, () =>
      publisher.publish('alerts.received', sampleAlertReceived({ fingerprint }), { subject: fingerprint }),
    );
    return event;
  }

  it('gives what a handler logs the event id, its fingerprint, the delivery and the incoming trace id', async () => {
    await consume('logs', '1111111111111111', async (_event, ctx) => {
      ctx.log.info({ step: 'handled' }, 'handler says hello');
      ctx.log.child({ part: 'inner' }).info('inner hello');
      ctx.log.debug('below the level: not written');
    });
    const event = await publishTraced('1111111111111111', TRACE_ID);
    await waitFor(() => lines.some((line) => line.msg === 'inner hello'), { message: 'handler did not log' });

    const hello = lines.find((line) => line.msg === 'handler says hello');
    expect(hello).toMatchObject({
      eventId: event.id,
      fingerprint: '1111111111111111',
      consumer: 'logs',
      subject: 'alerts.received',
      deliveryCount: 1,
      traceId: TRACE_ID,
      step: 'handled',
    });
    expect(hello!.streamSeq).toEqual(expect.any(Number));
    expect(lines.find((line) => line.msg === 'inner hello')).toMatchObject({ eventId: event.id, part: 'inner', traceId: TRACE_ID });
    expect(lines.some((line) => line.msg === 'below the level: not written')).toBe(false);
  });

  it('names the event and the error in the retry warning of a failed handler', async () => {
    let calls = 0;
    await consume('retry-logs', '2222222222222222', async () => {
      calls++;
      if (calls === 1) throw new Error('first attempt fails');
    });
    const { event } = await publisher.publish('alerts.received', sampleAlertReceived({ fingerprint: '2222222222222222' }));
    await waitFor(() => calls >= 2, { message: 'not retried' });

    const warning = lines.find((line) => line.msg === 'handler failed; will retry' && line.eventId === event.id);
    expect(warning).toMatchObject({ consumer: 'retry-logs', deliveryCount: 1, err: { message: 'first attempt fails' } });
    // No incoming trace and tracing off: no made-up trace id either.
    expect(warning).not.toHaveProperty('traceId');
  });

  it('with tracing on, records a consumer span under the incoming trace and hands its context to the handler', async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    let seen: { traceId?: string; spanId?: string } = {};
    await consume('traced-logs', '3333333333333333', async (_event, ctx) => {
      const active = trace.getSpanContext(context.active());
      seen = { traceId: active?.traceId, spanId: active?.spanId };
      ctx.log.info('traced hello');
    });
    const event = await publishTraced('3333333333333333', OTHER_TRACE_ID);
    const ours = () => exporter.getFinishedSpans().find((span) => span.spanContext().traceId === OTHER_TRACE_ID);
    await waitFor(() => ours() !== undefined, { message: 'no span under the incoming trace' });

    const span = ours()!;
    expect(span.name).toBe('process alerts.received');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
    // The handler runs inside the consumer span, so what it publishes continues the same trace.
    expect(seen).toEqual({ traceId: OTHER_TRACE_ID, spanId: span.spanContext().spanId });
    expect(lines.find((line) => line.msg === 'traced hello')).toMatchObject({ eventId: event.id, traceId: OTHER_TRACE_ID });
  });
});
