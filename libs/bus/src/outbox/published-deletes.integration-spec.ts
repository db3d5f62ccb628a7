import { DataSource } from 'typeorm';
import { sampleAlertReceived } from '@firebreak/testing';
import { EventPublisher } from '../publisher';
import { OutboxTestBed, silentLogger } from './testing/outbox-test-bed';
import { TransactionalMessaging } from './transactional-messaging';

/** Deletes of published rows (coalesced across transactions) against real Postgres and JetStream: none lost, none wrong. */
describe('outbox published deletes', () => {
  let bed: OutboxTestBed;
  let schema: string;
  let dataSource: DataSource;
  let publisher: EventPublisher;

  beforeAll(async () => {
    bed = await OutboxTestBed.open('deletes', { poolMax: 20 });
    ({ schema, dataSource, publisher } = bed);
  });

  beforeEach(async () => {
    await bed.reset();
  });

  afterAll(() => bed?.close());

  /** Postgres refuses every delete from the outbox, as a connection lost between publish and delete would leave it. */
  async function refuseDeletes(): Promise<void> {
    await dataSource.query(`CREATE OR REPLACE FUNCTION "${schema}".refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'delete refused'; END $$`);
    await dataSource.query(
      `CREATE TRIGGER refuse_delete BEFORE DELETE ON "${schema}".outbox FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_delete()`,
    );
  }

  async function allowDeletes(): Promise<void> {
    await dataSource.query(`DROP TRIGGER refuse_delete ON "${schema}".outbox`);
  }

  /** How many times each event id is in the stream. */
  async function streamCounts(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const { event } of await bed.streamEntries()) counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
    return counts;
  }

  it('re-publishes with the same id, once, a row whose delete failed, and deletes it then', async () => {
    await refuseDeletes();
    const messaging = new TransactionalMessaging(dataSource, publisher, silentLogger, { graceMs: 0 });
    const events = await Promise.all(
      ['1111111111111111', '2222222222222222', '3333333333333333'].map((fingerprint) =>
        messaging.run(async (tx) => tx.stage('alerts.received', sampleAlertReceived({ fingerprint }))),
      ),
    );
    const ids = events.map((event) => event.id).sort();
    // Published, but the rows are still there once the delete behind run() failed.
    await messaging.deletesIdle();
    expect(await bed.outboxIds()).toEqual(ids);
    expect([...(await streamCounts()).entries()].sort()).toEqual(ids.map((id) => [id, 1]));

    await allowDeletes();
    expect(await messaging.sweep()).toBe(3);

    // Deleted now, and JetStream dropped the second publish of each id: a consumer of the stream gets each once.
    expect(await bed.outboxIds()).toEqual([]);
    expect([...(await streamCounts()).entries()].sort()).toEqual(ids.map((id) => [id, 1]));
    expect(await messaging.sweep()).toBe(0);
  });

  it('a delete never waits for a row the relay holds, so other transactions are not held up behind it', async () => {
    const messaging = new TransactionalMessaging(dataSource, publisher, silentLogger, { graceMs: 0 });
    // A row not yet deleted (its first delete refused), held FOR UPDATE by another session, as the relay's sweep
    // holds the rows it publishes.
    await refuseDeletes();
    const held = (await messaging.run(async (tx) => tx.stage('alerts.received', sampleAlertReceived({ fingerprint: '4444444444444444' }))))
      .id;
    await messaging.deletesIdle();
    await allowDeletes();
    const sweep = dataSource.createQueryRunner();
    await sweep.connect();
    await sweep.startTransaction();
    await sweep.query(`SELECT id FROM "${schema}".outbox WHERE id = $1 FOR UPDATE`, [held]);
    try {
      // This transaction's publish shares its delete with the held row's: it returns without waiting for the lock.
      const deletes = (messaging as unknown as { publishedDeletes: { delete(ids: string[]): Promise<void> } }).publishedDeletes;
      const heldDelete = deletes.delete([held]);
      const other = messaging.run(async (tx) => tx.stage('alerts.received', sampleAlertReceived({ fingerprint: '5555555555555555' })));
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        Promise.all([heldDelete, other]).then(() => 'returned'),
        new Promise((resolve) => (timer = setTimeout(() => resolve('waited on the lock'), 5_000))),
      ]);
      clearTimeout(timer);
      expect(outcome).toBe('returned');
      await other;
      await messaging.deletesIdle();
      // The other transaction's row is gone; the held one was skipped.
      expect(await bed.outboxIds()).toEqual([held]);
    } finally {
      await sweep.rollbackTransaction();
      await sweep.release();
    }
    // The held row is still the relay's to publish and delete; JetStream drops its second publish.
    expect(await messaging.sweep()).toBe(1);
    expect(await bed.outboxIds()).toEqual([]);
    expect((await streamCounts()).get(held)).toBe(1);
  });

  it('deletes exactly the rows of the transactions that committed when many publish at once and some roll back', async () => {
    const messaging = new TransactionalMessaging(dataSource, publisher, silentLogger);
    const rolledBack: string[] = [];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, index) =>
        messaging.run(async (tx) => {
          const fingerprint = index.toString(16).padStart(16, '0');
          const event = tx.stage('alerts.received', sampleAlertReceived({ fingerprint }));
          if (index % 3 === 0) {
            rolledBack.push(event.id);
            throw new Error('handler failed after staging');
          }
          return event;
        }),
      ),
    );
    const committed = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.id] : [])).sort();
    expect(committed).toHaveLength(26);
    expect(rolledBack).toHaveLength(14);

    // Every committed event published once and its row gone; no event of a rolled-back transaction anywhere.
    await messaging.deletesIdle();
    expect(await bed.outboxIds()).toEqual([]);
    const counts = await streamCounts();
    expect([...counts.entries()].sort()).toEqual(committed.map((id) => [id, 1]));
    expect(rolledBack.filter((id) => counts.has(id))).toEqual([]);
  });

  it('a sweep prunes old inbox rows and rows an older release marked sent, but keeps dead outbox rows for inspection', async () => {
    const messaging = new TransactionalMessaging(dataSource, publisher, silentLogger, { graceMs: 0, keepInboxForMs: 60_000 });
    await dataSource.query(
      `INSERT INTO "${schema}".outbox (id, subject, event, created_at, attempts, last_error, dead_at)
       VALUES ('dead-event', 'alerts.received', '{}', now() - interval '30 days', 20, 'max_payload exceeded', now() - interval '29 days')`,
    );
    await dataSource.query(
      `INSERT INTO "${schema}".inbox (consumer, event_id, processed_at) VALUES ('c', 'old', now() - interval '1 hour'), ('c', 'recent', now())`,
    );
    // Marked sent by a replica of the release before (it marked rows, never deleted them): pruned, not republished.
    await dataSource.query(
      `INSERT INTO "${schema}".outbox (id, subject, event, sent_at, attempts) VALUES ('marked-by-old-replica', 'alerts.received', '{}', now(), 1)`,
    );
    expect(await messaging.sweep()).toBe(0);
    expect(await bed.outboxIds()).toEqual(['dead-event']);
    expect(await dataSource.query(`SELECT event_id FROM "${schema}".inbox`)).toEqual([{ event_id: 'recent' }]);
  });
});
