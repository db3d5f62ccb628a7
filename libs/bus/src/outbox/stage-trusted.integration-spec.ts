import { randomUUID } from 'node:crypto';
import { CloudEvent, ContractViolation } from '@firebreak/contracts';
import { sampleAlertReceived } from '@firebreak/testing';
import { OutboxTestBed, silentLogger } from './testing/outbox-test-bed';
import { TransactionalMessaging } from './transactional-messaging';

const TIME = '2026-12-07T04:00:00.000Z';
const options = (id: string) => ({ id, subject: '7777777777777777', time: TIME });
/** Ids no other test used: JetStream drops a message id it saw within its duplicate window, purged stream or not. */
const ids = () => {
  const run = randomUUID();
  return { validated: `validated-${run}`, trusted: `trusted-${run}` };
};
/** An event with another id: what a validated and a trusted staging of the same data must both come to. */
const withId = (event: CloudEvent<unknown>, id: string) => ({ ...event, id });

/** stageTrusted against real Postgres and JetStream: what the outbox and the stream get is what stage would have put there. */
describe('Transaction.stageTrusted', () => {
  let bed: OutboxTestBed;
  let messaging: TransactionalMessaging;

  beforeAll(async () => {
    bed = await OutboxTestBed.open('trusted');
    messaging = new TransactionalMessaging(bed.dataSource, bed.publisher, silentLogger);
  });

  beforeEach(() => bed.reset());

  afterAll(() => bed?.close());

  it('publishes the message a validated staging of the same data publishes, but for its id', async () => {
    const id = ids();
    const data = sampleAlertReceived({ fingerprint: '7777777777777777' });
    const [validated, trusted] = await messaging.run(async (tx) => [
      tx.stage('alerts.received', data, options(id.validated)),
      tx.stageTrusted('alerts.received', data, options(id.trusted)),
    ]);

    expect(withId(trusted, id.validated)).toStrictEqual(validated);
    const entries = await bed.streamEntriesFor([id.validated, id.trusted]);
    const published = (msgId: string) => entries.find((entry) => entry.msgId === msgId)!;
    expect(published(id.trusted).subject).toBe(published(id.validated).subject);
    expect(published(id.trusted).payload).toBe(published(id.validated).payload.replace(id.validated, id.trusted));
  });

  it('writes the outbox row a validated staging writes, but for its id (what the relay publishes after a crash)', async () => {
    const crashed = new TransactionalMessaging(bed.dataSource, await bed.deadPublisher(), silentLogger);
    const id = ids();
    const data = sampleAlertReceived({ fingerprint: '7777777777777777' });
    await crashed.run(async (tx) => {
      tx.stage('alerts.received', data, options(id.validated));
      tx.stageTrusted('alerts.received', data, options(id.trusted));
    });

    const rows: Array<{ id: string; subject: string; event: CloudEvent<unknown> }> = await bed.dataSource.query(
      `SELECT id, subject, event FROM "${bed.schema}".outbox ORDER BY id`,
    );
    expect(rows.map((row) => row.id)).toEqual([id.trusted, id.validated]);
    expect(rows[0].subject).toBe(rows[1].subject);
    expect(withId(rows[0].event, id.validated)).toStrictEqual(rows[1].event);
  });

  // A trusted event's data is the caller's own object, not zod's copy: it is encoded when staged.
  it('publishes the data as it was when staged, whatever the transaction changes in it afterwards', async () => {
    const id = ids();
    const data = sampleAlertReceived({ fingerprint: '7777777777777777', labels: { alertname: 'AsStaged' } });
    await messaging.run(async (tx) => {
      tx.stageTrusted('alerts.received', data, options(id.trusted));
      data.alert.labels.alertname = 'ChangedLater';
    });

    const [entry] = await bed.streamEntriesFor([id.trusted]);
    expect((entry.event.data as typeof data).alert.labels).toEqual({ alertname: 'AsStaged' });
  });

  it('under jest, refuses data its contract refuses, and the transaction commits nothing', async () => {
    const bad = sampleAlertReceived({ fingerprint: 'not-a-fingerprint' });
    const run = messaging.run(async (tx) => {
      await bed.bump(tx.manager, 'trusted');
      tx.stageTrusted('alerts.received', bad, options('bad'));
    });

    await expect(run).rejects.toBeInstanceOf(ContractViolation);
    expect(await bed.counter('trusted')).toBe(0);
    expect(await bed.outboxIds()).toEqual([]);
  });
});
