import { connect, headers } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import pino from 'pino';
import { streamDefinitions } from '@firebreak/contracts';
import { AckTracker, EventPublisher, BusConnection, provisionStreams, SubjectNames } from '@firebreak/bus';
import { receivedData, uniqueTestId } from '@firebreak/testing';

export interface CeilingResult {
  messages: number;
  jsPublishPerSec: number;
  asyncAckPerSec: number;
  eventPublisherPerSec: number;
}

/** Keeps `window` publishes in flight (a counter, not Promise.race over the set, which costs O(window)). */
async function timed(count: number, publishOne: (i: number) => Promise<unknown>, window = 2000): Promise<number> {
  const started = performance.now();
  let inFlight = 0;
  let slot: (() => void) | undefined;
  let failure: unknown;
  const settled = () => {
    inFlight--;
    const wake = slot;
    slot = undefined;
    wake?.();
  };
  for (let i = 0; i < count; i++) {
    if (inFlight >= window) await new Promise<void>((resolve) => (slot = resolve));
    inFlight++;
    publishOne(i).then(settled, (error: unknown) => {
      failure ??= error;
      settled();
    });
  }
  while (inFlight > 0) await new Promise<void>((resolve) => (slot = resolve));
  if (failure) throw failure;
  return Math.round(count / ((performance.now() - started) / 1000));
}

/**
 * The raw JetStream figures the ingress is compared with, on the same events: nats.js `js.publish()`
 * (one request per message), the async-ack path alone, and EventPublisher (validation + envelope +
 * Nats-Msg-Id + trace headers on top of the async-ack path).
 */
export async function jetstreamCeiling(natsUrl: string, messages: number): Promise<CeilingResult> {
  const subjects = new SubjectNames(uniqueTestId('bench'));
  const logger = pino({ level: 'silent' });
  const connection = await BusConnection.connect({ natsUrl, name: 'bench', logger });
  await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: subjects.prefix }), logger);
  const payloads = Array.from({ length: messages }, (_, i) =>
    new TextEncoder().encode(JSON.stringify({ id: `e-${i}`, data: receivedData('ceiling', i) })),
  );
  const subject = subjects.wire('alerts.received');

  const plain = await connect({ servers: natsUrl, noAsyncTraces: true });
  const js = jetstream(plain);
  const jsPublishPerSec = await timed(messages, (i) => js.publish(subject, payloads[i], { msgID: `js-${i}` }));

  const tracker = new AckTracker(connection.nc, 10_000);
  const asyncAckPerSec = await timed(messages, (i) => {
    const h = headers();
    h.set('Nats-Msg-Id', `ack-${i}`);
    return tracker.publish(subject, payloads[i], h);
  });
  tracker.close();

  const publisher = new EventPublisher(connection, { source: 'ingress', subjects, publishTimeoutMs: 10_000 });
  const data = Array.from({ length: messages }, (_, i) => receivedData('publisher', i));
  const eventPublisherPerSec = await timed(messages, (i) => publisher.publish('alerts.received', data[i]));
  publisher.close();

  const jsm = await jetstreamManager(plain);
  for (const stream of streamDefinitions({ subjectPrefix: subjects.prefix })) await jsm.streams.delete(stream.name);
  await plain.close();
  await connection.drain();
  return { messages, jsPublishPerSec, asyncAckPerSec, eventPublisherPerSec };
}
