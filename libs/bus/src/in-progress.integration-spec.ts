import pino from 'pino';
import { streamDefinitions, streamForSubject } from '@firebreak/contracts';
import { resolveNatsUrl, sampleAlertReceived, uniqueTestId, waitFor } from '@firebreak/testing';
import { BusConnection } from './connection';
import { EventConsumer } from './consumer';
import { EventPublisher } from './publisher';
import { provisionStreams } from './streams';
import { SubjectNames } from './subjects';

const logger = pino({ level: 'silent' });
// The shortest ack wait whose heartbeat (ackWait/3, 1 s at least) still beats well inside it.
const ACK_WAIT_MS = 1_500;
const HANDLER_MS = 4_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Handlers that outlast the ack wait, against real JetStream: the shared heartbeat keeps each of them in progress. */
describe('consumer in-progress acks', () => {
  let connection: BusConnection;
  let publisher: EventPublisher;
  let subjects: SubjectNames;
  let consumer: EventConsumer<'alerts.received'> | undefined;

  beforeAll(async () => {
    subjects = new SubjectNames(uniqueTestId('inprogress'));
    connection = await BusConnection.connect({ natsUrl: await resolveNatsUrl(), name: 'in-progress-test', logger });
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: subjects.prefix }), logger);
    publisher = new EventPublisher(connection, { source: 'ingress', subjects, publishTimeoutMs: 5000 });
  });

  afterAll(async () => {
    await consumer?.drain();
    for (const stream of streamDefinitions({ subjectPrefix: subjects.prefix }))
      await connection.jsm.streams.delete(stream.name).catch(() => undefined);
    publisher.close();
    await connection.drain();
  });

  it('keeps handlers running past the ack wait in progress, started at different times: none is delivered again', async () => {
    const deliveries: Array<{ id: string; delivery: number }> = [];
    const done = new Set<string>();
    consumer = new EventConsumer(
      connection,
      publisher,
      subjects,
      {
        subject: 'alerts.received',
        durable: 'long',
        ackWaitMs: ACK_WAIT_MS,
        handler: async (event, ctx) => {
          deliveries.push({ id: event.id, delivery: ctx.deliveryCount });
          await sleep(HANDLER_MS);
          done.add(event.id);
        },
      },
      logger,
    );
    await consumer.start();

    const first = await publisher.publish('alerts.received', sampleAlertReceived({ fingerprint: '1111111111111111' }));
    await sleep(ACK_WAIT_MS / 2);
    const second = await publisher.publish('alerts.received', sampleAlertReceived({ fingerprint: '2222222222222222' }));
    const ids = [first.event.id, second.event.id];
    await waitFor(() => ids.every((id) => done.has(id)), { timeoutMs: 15_000, message: 'the long handlers did not finish' });
    // Past another ack wait: a message whose ack wait had run out meanwhile would be back by now.
    await sleep(ACK_WAIT_MS + 500);

    expect(deliveries).toEqual(ids.map((id) => ({ id, delivery: 1 })));
    const info = await connection.jsm.consumers.info(streamForSubject('alerts.received', subjects.prefix), 'long');
    expect(info.num_redelivered).toBe(0);
    expect(info.num_ack_pending).toBe(0);
  }, 30_000);
});
