import { sampleAlertReceived, waitFor } from '@firebreak/testing';
import { OutboxTestBed, silentLogger } from './testing/outbox-test-bed';
import { Transaction, TransactionResult } from './transaction';
import { TransactionalMessaging } from './transactional-messaging';

const alertReceived = (fingerprint: string) => sampleAlertReceived({ fingerprint });

interface OutboxRow {
  id: string;
  sent_at: Date | null;
  attempts: number;
}

/** State, inbox and outbox in one transaction: committed together, applied once per event, rolled back together. */
describe('TransactionalMessaging against real Postgres and JetStream', () => {
  let bed: OutboxTestBed;
  let messaging: TransactionalMessaging;

  beforeAll(async () => {
    bed = await OutboxTestBed.open('outbox');
    messaging = new TransactionalMessaging(bed.dataSource, bed.publisher, silentLogger);
  });

  beforeEach(() => bed.reset());

  afterAll(() => bed?.close());

  /** What the outbox holds once the shared instance's deletes are done: run() deletes its rows behind it. */
  async function outboxRows(): Promise<OutboxRow[]> {
    await messaging.deletesIdle();
    return bed.dataSource.query(`SELECT id, sent_at, attempts FROM "${bed.schema}".outbox ORDER BY created_at, id`);
  }

  async function inboxRows(): Promise<Array<{ consumer: string; event_id: string }>> {
    return bed.dataSource.query(`SELECT consumer, event_id FROM "${bed.schema}".inbox`);
  }

  /** Sessions of this test whose inbox claim waits on another transaction's lock. */
  async function blockedInboxClaims(): Promise<number> {
    const rows: Array<{ n: number }> = await bed.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
      [`INSERT INTO "${bed.schema}".inbox%`],
    );
    return rows[0].n;
  }

  function committed<T>(result: TransactionResult<T>): { result: T; events: unknown[] } {
    if (result.duplicate) throw new Error('expected the transaction to run, but it was treated as a duplicate');
    return result;
  }

  it('commits the state and the outbox row, publishes the event and deletes the row', async () => {
    const event = await messaging.run(async (tx: Transaction) => {
      await bed.bump(tx.manager, 'commit');
      return tx.stage('alerts.received', alertReceived('1111111111111111'), { subject: '1111111111111111' });
    });

    expect(await bed.counter('commit')).toBe(1);
    // Published, so nothing is left for the relay.
    expect(await outboxRows()).toEqual([]);

    const published = await bed.streamEntriesFor([event.id]);
    expect(published).toHaveLength(1);
    expect(published[0].subject).toBe(bed.subjects.wire('alerts.received'));
    expect(published[0].msgId).toBe(event.id);
    expect(published[0].event).toEqual(event);
  });

  it('applies a redelivered event once: the second run is a duplicate and changes nothing', async () => {
    let calls = 0;
    const work = async (tx: Transaction) => {
      calls++;
      await bed.bump(tx.manager, 'dedup');
      // A fresh id each time: if work ran twice, a second outbox row would appear.
      return tx.stage('alerts.received', alertReceived('3333333333333333')).id;
    };
    const messagesBefore = await bed.streamMessageCount();

    const first = committed(await messaging.run(work, { consumer: 'c', eventId: 'e1' }));
    const second = await messaging.run(work, { consumer: 'c', eventId: 'e1' });

    expect(second).toEqual({ duplicate: true });
    expect(calls).toBe(1);
    expect(await bed.counter('dedup')).toBe(1);
    expect((await bed.streamEntries()).filter((entry) => entry.event.id === first.result)).toHaveLength(1);
    expect(await outboxRows()).toEqual([]);
    expect(await inboxRows()).toEqual([{ consumer: 'c', event_id: 'e1' }]);
    expect(await bed.streamMessageCount()).toBe(messagesBefore + 1);

    // The key is per consumer: another consumer of the same event does its own work.
    committed(await messaging.run(work, { consumer: 'other', eventId: 'e1' }));
    expect(calls).toBe(2);
    expect(await bed.counter('dedup')).toBe(2);
  });

  it('claims a batch in one statement and hands work only its new events: a redelivered subset is not new', async () => {
    const calls: string[][] = [];
    // Per new event: one counter and one staged event with a fresh id (work done twice would show).
    const work = async (tx: Transaction, fresh: ReadonlySet<string>) => {
      const ids = [...fresh].sort();
      calls.push(ids);
      for (const id of ids) {
        await bed.bump(tx.manager, id);
        tx.stage('alerts.received', alertReceived('6666666666666666'));
      }
      return ids;
    };
    const messagesBefore = await bed.streamMessageCount();

    expect(committed(await messaging.run(work, { consumer: 'c', eventIds: ['b1', 'b2', 'b3'] })).result).toEqual(['b1', 'b2', 'b3']);
    // A redelivery of two of them with one new event (listed twice): only the new one is handled.
    const second = committed(await messaging.run(work, { consumer: 'c', eventIds: ['b2', 'b4', 'b3', 'b4'] }));
    expect(second.result).toEqual(['b4']);
    expect(second.events).toHaveLength(1);
    // Nothing new at all: a duplicate, and work does not run.
    expect(await messaging.run(work, { consumer: 'c', eventIds: ['b4', 'b1'] })).toEqual({ duplicate: true });

    expect(calls).toEqual([['b1', 'b2', 'b3'], ['b4']]);
    for (const id of ['b1', 'b2', 'b3', 'b4']) expect(await bed.counter(id)).toBe(1);
    expect(await outboxRows()).toEqual([]);
    expect(await bed.streamMessageCount()).toBe(messagesBefore + 4);
    expect((await inboxRows()).map((row) => `${row.consumer}/${row.event_id}`).sort()).toEqual(['c/b1', 'c/b2', 'c/b3', 'c/b4']);

    // The key is per consumer; and claimInbox works inside any transaction, rolled back with it.
    await messaging.run(async (tx) => {
      expect(await messaging.claimInbox(tx.manager, 'other', ['b1', 'b5'])).toEqual(new Set(['b1', 'b5']));
      expect(await messaging.claimInbox(tx.manager, 'c', ['b1', 'b5'])).toEqual(new Set(['b5']));
      expect(await messaging.claimInbox(tx.manager, 'c', [])).toEqual(new Set());
    });
    await expect(
      messaging.run(async (tx) => {
        expect(await messaging.claimInbox(tx.manager, 'c', ['b6'])).toEqual(new Set(['b6']));
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    expect((await inboxRows()).filter((row) => row.event_id === 'b6')).toEqual([]);
  });

  it('lets two concurrent batches with shared events handle each event once', async () => {
    const handled: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const work = async (tx: Transaction, fresh: ReadonlySet<string>) => {
      handled.push(...fresh);
      for (const id of fresh) await bed.bump(tx.manager, id);
      await held;
      return [...fresh].sort();
    };

    const first = messaging.run(work, { consumer: 'c', eventIds: ['r1', 'r2'] });
    await waitFor(() => handled.length === 2, { message: 'first batch did not start' });
    // The second claim waits on the first's uncommitted inbox rows, then sees them committed.
    const second = messaging.run(work, { consumer: 'c', eventIds: ['r2', 'r3'] });
    await waitFor(async () => (await blockedInboxClaims()) === 1, { message: "second batch never waited on the first one's inbox rows" });
    release();
    const [one, two] = await Promise.all([first, second]);

    expect(committed(one).result).toEqual(['r1', 'r2']);
    expect(committed(two).result).toEqual(['r3']);
    expect(handled.sort()).toEqual(['r1', 'r2', 'r3']);
    for (const id of ['r1', 'r2', 'r3']) expect(await bed.counter(id)).toBe(1);
  });

  it('applies one of two concurrent deliveries of the same event', async () => {
    const messagesBefore = await bed.streamMessageCount();
    let calls = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const work = async (tx: Transaction) => {
      calls++;
      await bed.bump(tx.manager, 'race');
      tx.stage('alerts.received', alertReceived('3333333333333333'));
      await held;
    };

    const first = messaging.run(work, { consumer: 'c', eventId: 'e-race' });
    await waitFor(() => calls === 1, { message: 'first delivery did not start' });
    // The second claim waits on the first's uncommitted inbox row, then sees it committed.
    const second = messaging.run(work, { consumer: 'c', eventId: 'e-race' });
    await waitFor(async () => (await blockedInboxClaims()) === 1, { message: "second delivery never waited on the first one's inbox row" });
    release();
    const results = await Promise.all([first, second]);

    expect(results.map((result) => result.duplicate)).toEqual([false, true]);
    expect(calls).toBe(1);
    expect(await bed.counter('race')).toBe(1);
    expect(await bed.streamMessageCount()).toBe(messagesBefore + 1);
  });

  it('rolls everything back when work fails, so a redelivery can retry', async () => {
    const messagesBefore = await bed.streamMessageCount();
    let stagedId: string | undefined;

    await expect(
      messaging.run(
        async (tx) => {
          await bed.bump(tx.manager, 'rollback');
          stagedId = tx.stage('alerts.received', alertReceived('4444444444444444')).id;
          throw new Error('runbook store unavailable');
        },
        { consumer: 'c', eventId: 'e-fail' },
      ),
    ).rejects.toThrow('runbook store unavailable');

    expect(stagedId).toBeDefined();
    expect(await inboxRows()).toEqual([]);
    expect(await outboxRows()).toEqual([]);
    expect(await bed.counter('rollback')).toBe(0);
    expect(await bed.streamMessageCount()).toBe(messagesBefore);
    expect(await bed.streamEntriesFor([stagedId!])).toHaveLength(0);

    // The redelivery is not mistaken for a duplicate.
    const retry = committed(
      await messaging.run(
        async (tx) => {
          await bed.bump(tx.manager, 'rollback');
          return tx.stage('alerts.received', alertReceived('4444444444444444')).id;
        },
        { consumer: 'c', eventId: 'e-fail' },
      ),
    );
    expect(await bed.counter('rollback')).toBe(1);
    expect(await bed.streamEntriesFor([retry.result])).toHaveLength(1);
    expect(await bed.streamMessageCount()).toBe(messagesBefore + 1);
  });
});
