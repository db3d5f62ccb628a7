import pino from 'pino';
import { DataSource } from 'typeorm';
import { CloudEvent, streamDefinitions, streamForSubject } from '@firebreak/contracts';
import { resolveDatabaseUrl, resolveNatsUrl, sampleAlertReceived, uniqueTestId } from '@firebreak/testing';
import { BusConnection } from '../connection';
import { EventPublisher } from '../publisher';
import { provisionStreams } from '../streams';
import { SubjectNames } from '../subjects';
import { messagingTablesUpSql, outboxRetriesUpSql } from './messaging-tables';
import { TransactionalMessaging } from './transactional-messaging';

const logger = pino({ level: 'silent' });

/** Marks (coalesced across transactions) against real Postgres and JetStream: none lost, none wrong. */
describe('outbox sent marks', () => {
  let schema: string;
  let dataSource: DataSource;
  let connection: BusConnection;
  let publisher: EventPublisher;
  let subjects: SubjectNames;
  let alertsStream: string;

  beforeAll(async () => {
    schema = uniqueTestId('marks');
    subjects = new SubjectNames(schema);
    alertsStream = streamForSubject('alerts.received', subjects.prefix);
    connection = await BusConnection.connect({ natsUrl: await resolveNatsUrl(), name: 'marks-test', logger });
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: subjects.prefix }), logger);
    publisher = new EventPublisher(connection, { source: 'ingress', subjects, publishTimeoutMs: 5000 });
    dataSource = await new DataSource({ type: 'postgres', url: await resolveDatabaseUrl(), schema, extra: { max: 20 } }).initialize();
    await dataSource.query(`CREATE SCHEMA "${schema}"`);
    for (const sql of [...messagingTablesUpSql(schema), ...outboxRetriesUpSql(schema)]) await dataSource.query(sql);
  });

  beforeEach(async () => {
    await dataSource.query(`TRUNCATE "${schema}".outbox`);
    await connection.jsm.streams.purge(alertsStream);
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

  async function outbox(): Promise<Array<{ id: string; sent: boolean; attempts: number }>> {
    return dataSource.query(`SELECT id, sent_at IS NOT NULL AS sent, attempts FROM "${schema}".outbox ORDER BY id`);
  }

  /** How many times each event id is in the stream. */
  async function streamCounts(): Promise<Map<string, number>> {
    const { state } = await connection.jsm.streams.info(alertsStream);
    const counts = new Map<string, number>();
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
      const msg = await connection.jsm.streams.getMessage(alertsStream, { seq });
      if (!msg) continue;
      const id = msg.json<CloudEvent<unknown>>().id;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  it('re-publishes with the same id, once, a row whose mark failed, and marks it then', async () => {
    // Postgres refuses the mark (as a connection lost between publish and mark would): the event is out, the row says unsent.
    await dataSource.query(`CREATE FUNCTION "${schema}".refuse_mark() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'mark refused'; END $$`);
    await dataSource.query(
      `CREATE TRIGGER refuse_mark BEFORE UPDATE ON "${schema}".outbox FOR EACH ROW WHEN (NEW.sent_at IS NOT NULL) EXECUTE FUNCTION "${schema}".refuse_mark()`,
    );
    const messaging = new TransactionalMessaging(dataSource, publisher, logger, { graceMs: 0 });
    const events = await Promise.all(
      ['1111111111111111', '2222222222222222', '3333333333333333'].map((fingerprint) =>
        messaging.run(async (tx) => tx.stage('alerts.received', sampleAlertReceived({ fingerprint }))),
      ),
    );
    const ids = events.map((event) => event.id).sort();
    expect(await outbox()).toEqual(ids.map((id) => ({ id, sent: false, attempts: 0 })));
    expect([...(await streamCounts()).entries()].sort()).toEqual(ids.map((id) => [id, 1]));

    await dataSource.query(`DROP TRIGGER refuse_mark ON "${schema}".outbox`);
    expect(await messaging.sweep()).toBe(3);

    // Marked now, and JetStream dropped the second publish of each id.
    expect(await outbox()).toEqual(ids.map((id) => ({ id, sent: true, attempts: 1 })));
    expect([...(await streamCounts()).entries()].sort()).toEqual(ids.map((id) => [id, 1]));
    expect(await messaging.sweep()).toBe(0);
  });

  it('a mark never waits for a row the relay holds, so other transactions are not held up behind it', async () => {
    const messaging = new TransactionalMessaging(dataSource, publisher, logger, { graceMs: 0 });
    // A row not yet marked (its first mark refused), held FOR UPDATE by another session, as the relay's sweep holds
    // the rows it publishes.
    await dataSource.query(`CREATE OR REPLACE FUNCTION "${schema}".refuse_mark() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'mark refused'; END $$`);
    await dataSource.query(
      `CREATE TRIGGER refuse_mark BEFORE UPDATE ON "${schema}".outbox FOR EACH ROW WHEN (NEW.sent_at IS NOT NULL) EXECUTE FUNCTION "${schema}".refuse_mark()`,
    );
    const held = (await messaging.run(async (tx) => tx.stage('alerts.received', sampleAlertReceived({ fingerprint: '4444444444444444' }))))
      .id;
    await dataSource.query(`DROP TRIGGER refuse_mark ON "${schema}".outbox`);
    const sweep = dataSource.createQueryRunner();
    await sweep.connect();
    await sweep.startTransaction();
    await sweep.query(`SELECT id FROM "${schema}".outbox WHERE id = $1 FOR UPDATE`, [held]);
    try {
      // This transaction's publish shares its mark with the held row's: it returns without waiting for the lock.
      const marker = (messaging as unknown as { marker: { mark(ids: string[]): Promise<void> } }).marker;
      const heldMark = marker.mark([held]);
      const other = messaging.run(async (tx) => tx.stage('alerts.received', sampleAlertReceived({ fingerprint: '5555555555555555' })));
      const outcome = await Promise.race([
        Promise.all([heldMark, other]).then(() => 'returned'),
        new Promise((resolve) => setTimeout(() => resolve('waited on the lock'), 5_000)),
      ]);
      expect(outcome).toBe('returned');
      const otherId = (await other).id;
      expect(await outbox()).toEqual(
        [
          { id: held, sent: false, attempts: 0 },
          { id: otherId, sent: true, attempts: 1 },
        ].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
    } finally {
      await sweep.rollbackTransaction();
      await sweep.release();
    }
    // The held row is still the relay's to publish and mark.
    expect(await messaging.sweep()).toBe(1);
    expect((await outbox()).every((row) => row.sent)).toBe(true);
  });

  it('marks exactly the rows of the transactions that committed when many publish at once and some roll back', async () => {
    const messaging = new TransactionalMessaging(dataSource, publisher, logger);
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

    // Every committed row marked once, no row of a rolled-back transaction anywhere.
    expect(await outbox()).toEqual(committed.map((id) => ({ id, sent: true, attempts: 1 })));
    const counts = await streamCounts();
    expect([...counts.entries()].sort()).toEqual(committed.map((id) => [id, 1]));
    expect(rolledBack.filter((id) => counts.has(id))).toEqual([]);
  });
});
