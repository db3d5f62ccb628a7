import pino from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { AlertReceived, CloudEvent, streamDefinitions, streamForSubject } from '@firebreak/contracts';
import { resolveDatabaseUrl, resolveNatsUrl, uniqueTestId, waitFor, sampleAlertReceived } from '@firebreak/testing';
import { PubAck } from '../ack-tracker';
import { BusConnection } from '../connection';
import { EventPublisher, PublisherOptions } from '../publisher';
import { provisionStreams } from '../streams';
import { SubjectNames } from '../subjects';
import { messagingTablesUpSql, outboxRetriesUpSql } from './messaging-tables';
import { Transaction, TransactionalMessaging, TransactionResult } from './transactional-messaging';

const logger = pino({ level: 'silent' });

const alertReceived = (fingerprint: string) => sampleAlertReceived({ fingerprint });

interface OutboxRow {
  id: string;
  sent_at: Date | null;
  attempts: number;
}

interface StreamEntry {
  seq: number;
  subject: string;
  msgId: string;
  event: CloudEvent<AlertReceived>;
}

/**
 * Holds every publish until `parties` distinct publishers have each started one, or until
 * `timeoutMs` passed; `met` tells whether they all got there in time.
 */
class Barrier {
  private readonly arrived = new Set<unknown>();
  private release!: () => void;
  private readonly timer: NodeJS.Timeout;
  readonly opened: Promise<void>;
  met = false;
  private timedOut = false;

  constructor(
    private readonly parties: number,
    timeoutMs: number,
  ) {
    this.opened = new Promise<void>((resolve) => (this.release = resolve));
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.release();
    }, timeoutMs);
  }

  arrive(party: unknown): Promise<void> {
    this.arrived.add(party);
    if (this.arrived.size >= this.parties && !this.met && !this.timedOut) {
      this.met = true;
      clearTimeout(this.timer);
      this.release();
    }
    return this.opened;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.release();
  }
}

/** A relay's publisher that waits at the barrier, so its sweep keeps its row locks while the other relay sweeps. */
class GatedPublisher extends EventPublisher {
  published = 0;

  constructor(
    connection: BusConnection,
    options: PublisherOptions,
    private readonly barrier: Barrier,
  ) {
    super(connection, options);
  }

  override async publishEvent(subject: string, event: CloudEvent<unknown>, traceHeaders?: Record<string, string>): Promise<PubAck> {
    await this.barrier.arrive(this);
    const ack = await super.publishEvent(subject, event, traceHeaders);
    this.published++;
    return ack;
  }
}

describe('TransactionalMessaging against real Postgres and JetStream', () => {
  let databaseUrl: string;
  let schema: string;
  let dataSource: DataSource;
  let connection: BusConnection;
  let publisherOptions: PublisherOptions;
  let publisher: EventPublisher;
  let subjects: SubjectNames;
  let alertsStream: string;
  let messaging: TransactionalMessaging;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    const testId = uniqueTestId('outbox');
    schema = testId;
    subjects = new SubjectNames(testId);
    alertsStream = streamForSubject('alerts.received', subjects.prefix);
    connection = await BusConnection.connect({ natsUrl: await resolveNatsUrl(), name: 'outbox-test', logger });
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: subjects.prefix }), logger);
    publisherOptions = { source: 'ingress', subjects, publishTimeoutMs: 5000 };
    publisher = new EventPublisher(connection, publisherOptions);

    databaseUrl = await resolveDatabaseUrl();
    dataSource = await new DataSource({ type: 'postgres', url: databaseUrl, schema }).initialize();
    await dataSource.query(`CREATE SCHEMA "${schema}"`);
    for (const sql of [...messagingTablesUpSql(schema), ...outboxRetriesUpSql(schema)]) await dataSource.query(sql);
    await dataSource.query(`CREATE TABLE "${schema}".counter (name text PRIMARY KEY, n integer NOT NULL)`);
    messaging = new TransactionalMessaging(dataSource, publisher, logger);
  });

  beforeEach(async () => {
    await dataSource.query(`TRUNCATE "${schema}".outbox, "${schema}".inbox, "${schema}".counter`);
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(async () => {
    if (dataSource?.isInitialized) {
      await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await dataSource.destroy();
    }
    if (connection) {
      for (const stream of streamDefinitions({ subjectPrefix: subjects.prefix }))
        await connection.jsm.streams.delete(stream.name).catch(() => undefined);
      publisher.close();
      await connection.drain();
    }
  });

  /** The state change a handler makes: one counter per name. */
  async function bump(manager: EntityManager, name: string): Promise<void> {
    await manager.query(`INSERT INTO "${schema}".counter (name, n) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET n = counter.n + 1`, [
      name,
    ]);
  }

  async function counter(name: string): Promise<number> {
    const rows: Array<{ n: number }> = await dataSource.query(`SELECT n FROM "${schema}".counter WHERE name = $1`, [name]);
    return rows[0]?.n ?? 0;
  }

  /** What the outbox holds once the shared instance's deletes are done: run() deletes its rows behind it. */
  async function outboxRows(): Promise<OutboxRow[]> {
    await messaging.deletesIdle();
    return dataSource.query(`SELECT id, sent_at, attempts FROM "${schema}".outbox ORDER BY created_at, id`);
  }

  async function inboxRows(): Promise<Array<{ consumer: string; event_id: string }>> {
    return dataSource.query(`SELECT consumer, event_id FROM "${schema}".inbox`);
  }

  /** Sessions of this test whose inbox claim waits on another transaction's lock. */
  async function blockedInboxClaims(): Promise<number> {
    const rows: Array<{ n: number }> = await dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
      [`INSERT INTO "${schema}".inbox%`],
    );
    return rows[0].n;
  }

  async function streamMessageCount(): Promise<number> {
    return (await connection.jsm.streams.info(alertsStream)).state.messages;
  }

  /** Every message the alerts stream holds now. */
  async function streamEntries(): Promise<StreamEntry[]> {
    const { state } = await connection.jsm.streams.info(alertsStream);
    const entries: StreamEntry[] = [];
    if (state.messages === 0) return entries;
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const msg = await connection.jsm.streams.getMessage(alertsStream, { seq });
      if (!msg) continue;
      entries.push({ seq, subject: msg.subject, msgId: msg.header.get('Nats-Msg-Id'), event: msg.json<CloudEvent<AlertReceived>>() });
    }
    return entries;
  }

  async function streamEntriesFor(ids: Iterable<string>): Promise<StreamEntry[]> {
    const wanted = new Set(ids);
    return (await streamEntries()).filter((entry) => wanted.has(entry.event.id));
  }

  /** A publisher whose NATS connection is gone: what a process that dies right after the commit never gets to use. */
  async function deadPublisher(): Promise<EventPublisher> {
    const doomed = await BusConnection.connect({ natsUrl: await resolveNatsUrl(), name: 'outbox-test-doomed', logger });
    const dead = new EventPublisher(doomed, publisherOptions);
    await doomed.drain();
    cleanups.push(() => dead.close());
    return dead;
  }

  function committed<T>(result: TransactionResult<T>): { result: T; events: CloudEvent<unknown>[] } {
    if (result.duplicate) throw new Error('expected the transaction to run, but it was treated as a duplicate');
    return result;
  }

  it('commits the state and the outbox row, publishes the event and deletes the row', async () => {
    const event = await messaging.run(async (tx: Transaction) => {
      await bump(tx.manager, 'commit');
      return tx.stage('alerts.received', alertReceived('1111111111111111'), { subject: '1111111111111111' });
    });

    expect(await counter('commit')).toBe(1);
    // Published, so nothing is left for the relay.
    expect(await outboxRows()).toEqual([]);

    const published = await streamEntriesFor([event.id]);
    expect(published).toHaveLength(1);
    expect(published[0].subject).toBe(subjects.wire('alerts.received'));
    expect(published[0].msgId).toBe(event.id);
    expect(published[0].event).toEqual(event);
  });

  it('publishes on restart what a process that died between commit and publish left in the outbox', async () => {
    const crashed = new TransactionalMessaging(dataSource, await deadPublisher(), logger);
    const staged = await crashed.run(async (tx) => {
      await bump(tx.manager, 'crash');
      return tx.stage('alerts.received', alertReceived('2222222222222222'));
    });
    const eventId = staged.id;

    // Committed, but never published.
    expect(await counter('crash')).toBe(1);
    expect(await outboxRows()).toEqual([{ id: eventId, sent_at: null, attempts: 0 }]);
    expect(await streamEntriesFor([eventId])).toHaveLength(0);

    // A relay leaves rows inside the grace period to the publish right after their commit.
    const patient = new TransactionalMessaging(dataSource, publisher, logger, { graceMs: 60_000 });
    expect(await patient.sweep()).toBe(0);
    expect(await outboxRows()).toEqual([{ id: eventId, sent_at: null, attempts: 0 }]);

    const restarted = new TransactionalMessaging(dataSource, publisher, logger, { graceMs: 0 });
    expect(await restarted.sweep()).toBe(1);

    const published = await streamEntriesFor([eventId]);
    expect(published).toHaveLength(1);
    expect(published[0].msgId).toBe(eventId);
    expect(published[0].subject).toBe(subjects.wire('alerts.received'));
    expect(published[0].event).toEqual(staged);
    // The relay deleted what it published: nothing is left for a later sweep to publish again.
    expect(await outboxRows()).toEqual([]);
    expect(await restarted.sweep()).toBe(0);
    expect(await streamEntriesFor([eventId])).toHaveLength(1);
  });

  it('publishes leftovers from the relay timer once started', async () => {
    const crashed = new TransactionalMessaging(dataSource, await deadPublisher(), logger);
    const event = await crashed.run(async (tx) => tx.stage('alerts.received', alertReceived('2222222222222222')));

    const relay = new TransactionalMessaging(dataSource, publisher, logger, { graceMs: 0, sweepIntervalMs: 50 });
    relay.startRelay();
    cleanups.push(() => relay.stopRelay());
    await waitFor(async () => (await outboxRows()).length === 0, { message: 'relay did not publish the leftover row' });
    expect(await streamEntriesFor([event.id])).toHaveLength(1);
  });

  it('sets aside a row that can never be published, keeping its error, and publishes the rows behind it', async () => {
    const crashed = new TransactionalMessaging(dataSource, await deadPublisher(), logger);
    const small = await crashed.run(async (tx) => tx.stage('alerts.received', alertReceived('3333333333333333')));
    const huge = {
      ...small,
      id: 'huge-event',
      data: { ...small.data, alert: { ...small.data.alert, annotations: { blob: 'x'.repeat(2 * 1_048_576) } } },
    };
    await dataSource.query(
      `INSERT INTO "${schema}".outbox (id, subject, event, created_at) VALUES ($1, 'alerts.received', $2::jsonb, now() - interval '1 minute')`,
      [huge.id, JSON.stringify(huge)],
    );

    const relay = new TransactionalMessaging(dataSource, publisher, logger, { graceMs: 0 });
    expect(await relay.sweep()).toBe(1);

    expect(await streamEntriesFor([small.id])).toHaveLength(1);
    const [dead] = await dataSource.query(`SELECT attempts, dead_at, last_error, sent_at FROM "${schema}".outbox WHERE id = 'huge-event'`);
    expect(dead).toMatchObject({ attempts: 1, sent_at: null, last_error: expect.stringMatching(/max_payload/) });
    expect(dead.dead_at).toBeInstanceOf(Date);
    expect(await relay.sweep()).toBe(0);
    // The published row is gone; the dead one stays for inspection.
    expect((await outboxRows()).map((row) => row.id)).toEqual(['huge-event']);
  });

  it('backs a failing row off on its own, keeping the error, and publishes it once it is due again', async () => {
    const crashed = new TransactionalMessaging(dataSource, await deadPublisher(), logger);
    const event = await crashed.run(async (tx) => tx.stage('alerts.received', alertReceived('4444444444444444')));
    // A real publisher that JetStream refuses once for this event (a stream missing for a moment).
    let refusals = 1;
    const flaky = Object.assign(Object.create(publisher) as EventPublisher, {
      publishEvent: (subject: string, staged: CloudEvent<unknown>, headers?: Record<string, string>) =>
        staged.id === event.id && refusals-- > 0
          ? Promise.reject(new Error('no responders available for request'))
          : publisher.publishEvent(subject, staged, headers),
    });
    const relay = new TransactionalMessaging(dataSource, flaky, logger, { graceMs: 0, retryBaseMs: 60_000 });

    expect(await relay.sweep()).toBe(0);
    const [waiting] = await dataSource.query(
      `SELECT attempts, last_error, dead_at, next_attempt_at > now() + interval '50 seconds' AS backed_off FROM "${schema}".outbox WHERE id = $1`,
      [event.id],
    );
    expect(waiting).toEqual({ attempts: 1, last_error: 'no responders available for request', dead_at: null, backed_off: true });
    expect(await relay.sweep()).toBe(0);

    await dataSource.query(`UPDATE "${schema}".outbox SET next_attempt_at = now() WHERE id = $1`, [event.id]);
    expect(await relay.sweep()).toBe(1);
    expect(await streamEntriesFor([event.id])).toHaveLength(1);
    expect(await outboxRows()).toEqual([]);
  });

  it('stopRelay() waits for the sweep in flight, so shutdown never closes Postgres under it', async () => {
    const crashed = new TransactionalMessaging(dataSource, await deadPublisher(), logger);
    await crashed.run(async (tx) => tx.stage('alerts.received', alertReceived('2222222222222222')));

    const relay = new TransactionalMessaging(dataSource, publisher, logger, { graceMs: 0 });
    let swept: number | undefined;
    void relay.sweep().then((count) => (swept = count));
    await relay.stopRelay();
    expect(swept).toBe(1);
  });

  it('keeps rows in Postgres while NATS is away (no sweep, nothing buffered) and publishes them once it is back', async () => {
    const offline = new TransactionalMessaging(dataSource, await deadPublisher(), logger, { graceMs: 0 });
    const event = await offline.run(async (tx) => tx.stage('alerts.received', alertReceived('2222222222222222')));

    expect(await offline.sweep()).toBe(0);
    const [waiting]: Array<OutboxRow & { last_error: string | null }> = await dataSource.query(
      `SELECT id, sent_at, attempts, last_error FROM "${schema}".outbox`,
    );
    expect(waiting).toMatchObject({ id: event.id, sent_at: null, attempts: 0 });
    expect(await streamEntriesFor([event.id])).toHaveLength(0);

    expect(await new TransactionalMessaging(dataSource, publisher, logger, { graceMs: 0 }).sweep()).toBe(1);
    expect(await outboxRows()).toEqual([]);
    expect(await streamEntriesFor([event.id])).toHaveLength(1);
  });

  it('applies a redelivered event once: the second run is a duplicate and changes nothing', async () => {
    let calls = 0;
    const work = async (tx: Transaction) => {
      calls++;
      await bump(tx.manager, 'dedup');
      // A fresh id each time: if work ran twice, a second outbox row would appear.
      return tx.stage('alerts.received', alertReceived('3333333333333333')).id;
    };
    const messagesBefore = await streamMessageCount();

    const first = committed(await messaging.run(work, { consumer: 'c', eventId: 'e1' }));
    const second = await messaging.run(work, { consumer: 'c', eventId: 'e1' });

    expect(second).toEqual({ duplicate: true });
    expect(calls).toBe(1);
    expect(await counter('dedup')).toBe(1);
    expect((await streamEntries()).filter((entry) => entry.event.id === first.result)).toHaveLength(1);
    expect(await outboxRows()).toEqual([]);
    expect(await inboxRows()).toEqual([{ consumer: 'c', event_id: 'e1' }]);
    expect(await streamMessageCount()).toBe(messagesBefore + 1);

    // The key is per consumer: another consumer of the same event does its own work.
    committed(await messaging.run(work, { consumer: 'other', eventId: 'e1' }));
    expect(calls).toBe(2);
    expect(await counter('dedup')).toBe(2);
  });

  it('claims a batch in one statement and hands work only its new events: a redelivered subset is not new', async () => {
    const calls: string[][] = [];
    // Per new event: one counter and one staged event with a fresh id (work done twice would show).
    const work = async (tx: Transaction, fresh: ReadonlySet<string>) => {
      const ids = [...fresh].sort();
      calls.push(ids);
      for (const id of ids) {
        await bump(tx.manager, id);
        tx.stage('alerts.received', alertReceived('6666666666666666'));
      }
      return ids;
    };
    const messagesBefore = await streamMessageCount();

    expect(committed(await messaging.run(work, { consumer: 'c', eventIds: ['b1', 'b2', 'b3'] })).result).toEqual(['b1', 'b2', 'b3']);
    // A redelivery of two of them with one new event (listed twice): only the new one is handled.
    const second = committed(await messaging.run(work, { consumer: 'c', eventIds: ['b2', 'b4', 'b3', 'b4'] }));
    expect(second.result).toEqual(['b4']);
    expect(second.events).toHaveLength(1);
    // Nothing new at all: a duplicate, and work does not run.
    expect(await messaging.run(work, { consumer: 'c', eventIds: ['b4', 'b1'] })).toEqual({ duplicate: true });

    expect(calls).toEqual([['b1', 'b2', 'b3'], ['b4']]);
    for (const id of ['b1', 'b2', 'b3', 'b4']) expect(await counter(id)).toBe(1);
    expect(await outboxRows()).toEqual([]);
    expect(await streamMessageCount()).toBe(messagesBefore + 4);
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
      for (const id of fresh) await bump(tx.manager, id);
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
    for (const id of ['r1', 'r2', 'r3']) expect(await counter(id)).toBe(1);
  });

  it('applies one of two concurrent deliveries of the same event', async () => {
    const messagesBefore = await streamMessageCount();
    let calls = 0;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const work = async (tx: Transaction) => {
      calls++;
      await bump(tx.manager, 'race');
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
    expect(await counter('race')).toBe(1);
    expect(await streamMessageCount()).toBe(messagesBefore + 1);
  });

  it('rolls everything back when work fails, so a redelivery can retry', async () => {
    const messagesBefore = await streamMessageCount();
    let stagedId: string | undefined;

    await expect(
      messaging.run(
        async (tx) => {
          await bump(tx.manager, 'rollback');
          stagedId = tx.stage('alerts.received', alertReceived('4444444444444444')).id;
          throw new Error('runbook store unavailable');
        },
        { consumer: 'c', eventId: 'e-fail' },
      ),
    ).rejects.toThrow('runbook store unavailable');

    expect(stagedId).toBeDefined();
    expect(await inboxRows()).toEqual([]);
    expect(await outboxRows()).toEqual([]);
    expect(await counter('rollback')).toBe(0);
    expect(await streamMessageCount()).toBe(messagesBefore);
    expect(await streamEntriesFor([stagedId!])).toHaveLength(0);

    // The redelivery is not mistaken for a duplicate.
    const retry = committed(
      await messaging.run(
        async (tx) => {
          await bump(tx.manager, 'rollback');
          return tx.stage('alerts.received', alertReceived('4444444444444444')).id;
        },
        { consumer: 'c', eventId: 'e-fail' },
      ),
    );
    expect(await counter('rollback')).toBe(1);
    expect(await streamEntriesFor([retry.result])).toHaveLength(1);
    expect(await streamMessageCount()).toBe(messagesBefore + 1);
  });

  it('lets two relays sweep at once without sending any event twice', async () => {
    const crashed = new TransactionalMessaging(dataSource, await deadPublisher(), logger);
    const ids = await Promise.all(
      Array.from({ length: 50 }, () => crashed.run(async (tx) => tx.stage('alerts.received', alertReceived('5555555555555555')).id)),
    );
    expect(new Set(ids).size).toBe(50);
    const unsent = await outboxRows();
    expect(unsent).toHaveLength(50);
    expect(unsent.every((row) => row.sent_at === null)).toBe(true);
    const messagesBefore = await streamMessageCount();

    // Two replicas: each its own pool and publisher. Their first publishes wait for each other, so
    // each sweep holds its row locks while the other selects.
    const barrier = new Barrier(2, 5000);
    const secondDataSource = await new DataSource({ type: 'postgres', url: databaseUrl, schema }).initialize();
    const relays = [dataSource, secondDataSource].map((source) => {
      const gated = new GatedPublisher(connection, publisherOptions, barrier);
      return { gated, messaging: new TransactionalMessaging(source, gated, logger, { graceMs: 0, batchSize: 10 }) };
    });
    cleanups.push(async () => {
      barrier.dispose();
      for (const relay of relays) relay.gated.close();
      await secondDataSource.destroy();
    });

    const sweepUntilEmpty = async (relay: TransactionalMessaging): Promise<number> => {
      let total = 0;
      for (let sent = await relay.sweep(); sent > 0; sent = await relay.sweep()) total += sent;
      return total;
    };
    const totals = await Promise.all(relays.map((relay) => sweepUntilEmpty(relay.messaging)));

    expect(barrier.met).toBe(true);
    expect(totals.every((total) => total > 0)).toBe(true);
    expect(totals[0] + totals[1]).toBe(50);
    expect(relays[0].gated.published + relays[1].gated.published).toBe(50);

    expect(await outboxRows()).toEqual([]);

    const published = await streamEntriesFor(ids);
    expect(published).toHaveLength(50);
    expect(new Set(published.map((entry) => entry.msgId))).toEqual(new Set(ids));
    expect(await streamMessageCount()).toBe(messagesBefore + 50);
  });
});
