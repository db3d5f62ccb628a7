import pino from 'pino';
import { context, propagation, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { register } from 'prom-client';
import { AlertReceived, streamDefinitions, streamForSubject } from '@firebreak/contracts';
import { resolveNatsUrl, sampleAlertReceived, uniqueTestId } from '@firebreak/testing';
import { BusConnection } from './connection';
import { PayloadTooLargeError } from './errors';
import { EventPublisher, PublishItem } from './publisher';
import { provisionStreams } from './streams';
import { SubjectNames } from './subjects';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TIME = '2026-12-06T10:00:00.000Z';

const item = (fingerprint: string, data: Partial<AlertReceived> = {}): PublishItem<'alerts.received'> => ({
  subject: 'alerts.received',
  data: { ...sampleAlertReceived({ fingerprint }), ...data },
  options: { id: `id-${fingerprint}`, subject: fingerprint, time: TIME },
});

describe('publishing a batch (the ingress path)', () => {
  let connection: BusConnection;
  let publisher: EventPublisher;
  let subjects: SubjectNames;

  beforeAll(async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    subjects = new SubjectNames(uniqueTestId('batch'));
    const logger = pino({ level: 'silent' });
    connection = await BusConnection.connect({ natsUrl: await resolveNatsUrl(), name: 'batch-test', logger });
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: subjects.prefix }), logger);
    publisher = new EventPublisher(connection, { source: 'ingress', subjects, publishTimeoutMs: 5000 });
  });

  afterAll(async () => {
    for (const stream of streamDefinitions({ subjectPrefix: subjects.prefix }))
      await connection.jsm.streams.delete(stream.name).catch(() => undefined);
    publisher.close();
    await connection.drain();
  });

  const alertsStream = () => streamForSubject('alerts.received', subjects.prefix);

  async function stored(seq: number) {
    const message = await connection.jsm.streams.getMessage(alertsStream(), { seq });
    return { msgId: message!.header.get('Nats-Msg-Id'), traceparent: message!.header.get('traceparent'), event: message!.json() };
  }

  it('publishes trusted data exactly as the validating path does: same envelope, Nats-Msg-Id the event id, the trace on every event', async () => {
    const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true });
    const sent = [item('1000000000000001'), item('1000000000000002'), item('2000000000000001'), item('2000000000000002')];
    const checked = await context.with(parent, () => publisher.publishMany(sent.slice(0, 2)));
    const trusted = await context.with(parent, () => publisher.publishTrustedMany(sent.slice(2)));
    for (const [index, { event, ack }] of [...checked, ...trusted].entries()) {
      const message = await stored(ack.seq);
      expect(message.msgId).toBe(event.id);
      expect(message.traceparent).toContain(TRACE_ID);
      expect(message.event).toEqual(event);
      const { id, subject } = sent[index].options!;
      expect(event).toEqual({ ...checked[0].event, id, subject, data: sent[index].data });
    }
  });

  it('validates what it is not told to trust', async () => {
    const bad = item('3000000000000001', { source: 'nowhere' as AlertReceived['source'] });
    await expect(publisher.publishMany([bad])).rejects.toThrow(/data\.source/);
  });

  it('refuses a whole batch with one event too large before publishing any of it, on both paths', async () => {
    const huge = item('4000000000000002');
    huge.data = { ...huge.data, alert: { ...huge.data.alert, annotations: { blob: 'x'.repeat(publisher.maxEventBytes()) } } };
    const before = (await connection.jsm.streams.info(alertsStream())).state.messages;
    await expect(publisher.publishMany([item('4000000000000001'), huge])).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(publisher.publishTrustedMany([item('4000000000000001'), huge])).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect((await connection.jsm.streams.info(alertsStream())).state.messages).toBe(before);
  });

  it('counts no publish failure for an event refused as too large (nothing was sent; the caller cuts it and publishes again)', async () => {
    const failed = async () =>
      (await register.getSingleMetric('firebreak_bus_publish_failed_total')!.get()).values.reduce((sum, { value }) => sum + value, 0);
    const before = await failed();
    const huge = item('5000000000000001');
    huge.data = { ...huge.data, alert: { ...huge.data.alert, annotations: { blob: 'x'.repeat(publisher.maxEventBytes()) } } };
    await expect(publisher.publishTrustedMany([huge])).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(publisher.publishMany([huge])).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(publisher.publish('alerts.received', huge.data, huge.options)).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await failed()).toBe(before);
  });
});
