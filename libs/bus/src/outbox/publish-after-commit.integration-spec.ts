import { DataSource, QueryRunner } from 'typeorm';
import { CloudEvent } from '@firebreak/contracts';
import { sampleAlertReceived, waitFor } from '@firebreak/testing';
import { EventPublisher } from '../publisher';
import { OutboxTestBed, silentLogger } from './testing/outbox-test-bed';
import { TransactionalMessaging } from './transactional-messaging';

// Any key: the trigger below makes every delete from the outbox wait for it while a test holds it.
const DELETE_GATE = 73_311;

/** run() returns once its events are published; the delete of their rows runs behind it, and nothing is lost or doubled. */
describe('outbox publish after commit', () => {
  let bed: OutboxTestBed;
  let schema: string;
  let dataSource: DataSource;
  let publisher: EventPublisher;

  beforeAll(async () => {
    bed = await OutboxTestBed.open('after_commit');
    ({ schema, dataSource, publisher } = bed);
  });

  beforeEach(async () => {
    await dataSource.query(`DROP TRIGGER IF EXISTS gate_delete ON "${schema}".outbox`);
    await bed.reset();
  });

  afterAll(() => bed?.close());

  /** Every delete from the outbox waits (inside Postgres) until the returned session lets go of the gate. */
  async function gateDeletes(): Promise<QueryRunner> {
    await dataSource.query(`CREATE OR REPLACE FUNCTION "${schema}".gate_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock_shared(${DELETE_GATE}); RETURN OLD; END $$`);
    await dataSource.query(
      `CREATE TRIGGER gate_delete BEFORE DELETE ON "${schema}".outbox FOR EACH ROW EXECUTE FUNCTION "${schema}".gate_delete()`,
    );
    const gate = dataSource.createQueryRunner();
    await gate.connect();
    await gate.query(`SELECT pg_advisory_lock(${DELETE_GATE})`);
    return gate;
  }

  async function deletesWaitingAtGate(): Promise<number> {
    const [{ n }] = await dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE 'DELETE FROM%'`,
    );
    return n;
  }

  async function openGate(gate: QueryRunner): Promise<void> {
    await gate.query(`SELECT pg_advisory_unlock(${DELETE_GATE})`);
    await gate.release();
  }

  /** Every message of the alerts stream: its id header and its exact payload. */
  const streamMessages = async () => (await bed.streamEntries()).map(({ msgId, payload }) => ({ msgId, payload }));

  it('returns once the event is published, while its row is still being deleted; the delete then completes', async () => {
    const messaging = new TransactionalMessaging(dataSource, publisher, silentLogger);
    const gate = await gateDeletes();
    try {
      // Were run() to wait for its delete, this would wait for the gate, which opens only below.
      const event = await messaging.run(async (tx) =>
        tx.stage('alerts.received', sampleAlertReceived({ fingerprint: '1111111111111111' })),
      );
      expect((await streamMessages()).map((message) => message.msgId)).toEqual([event.id]);
      await waitFor(async () => (await deletesWaitingAtGate()) === 1, { message: 'the delete behind run() never reached the gate' });
      expect(await bed.outboxIds()).toEqual([event.id]);
    } finally {
      await openGate(gate);
    }
    await messaging.deletesIdle();
    expect(await bed.outboxIds()).toEqual([]);
  });

  it('stopRelay() waits for the delete behind a run(), so shutdown never closes Postgres under it', async () => {
    const messaging = new TransactionalMessaging(dataSource, publisher, silentLogger);
    const gate = await gateDeletes();
    let stopped = false;
    try {
      await messaging.run(async (tx) => tx.stage('alerts.received', sampleAlertReceived({ fingerprint: '2222222222222222' })));
      await waitFor(async () => (await deletesWaitingAtGate()) === 1, { message: 'the delete behind run() never reached the gate' });
      void messaging.stopRelay().then(() => (stopped = true));
      // Still held at the gate: stopRelay() must not have returned.
      expect(await deletesWaitingAtGate()).toBe(1);
      expect(stopped).toBe(false);
    } finally {
      await openGate(gate);
    }
    await waitFor(async () => stopped, { message: 'stopRelay() did not return once the delete was done' });
    expect(await bed.outboxIds()).toEqual([]);
  });

  it('a run() whose delete fails still ends with its event once on the stream and its row gone', async () => {
    const messaging = new TransactionalMessaging(dataSource, publisher, silentLogger, { graceMs: 0 });
    await dataSource.query(`CREATE OR REPLACE FUNCTION "${schema}".gate_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'delete refused'; END $$`);
    await dataSource.query(
      `CREATE TRIGGER gate_delete BEFORE DELETE ON "${schema}".outbox FOR EACH ROW EXECUTE FUNCTION "${schema}".gate_delete()`,
    );
    // The failed delete is not the caller's failure: the event is published, which is what run() promises.
    const event = await messaging.run(async (tx) => tx.stage('alerts.received', sampleAlertReceived({ fingerprint: '3333333333333333' })));
    await messaging.deletesIdle();
    expect(await bed.outboxIds()).toEqual([event.id]);

    await dataSource.query(`DROP TRIGGER gate_delete ON "${schema}".outbox`);
    expect(await messaging.sweep()).toBe(1);
    expect(await bed.outboxIds()).toEqual([]);
    // Published twice under one Nats-Msg-Id: JetStream kept one.
    expect((await streamMessages()).map((message) => message.msgId)).toEqual([event.id]);
  });

  it('publishes exactly the JSON the outbox row was written with, once per event, under the event id', async () => {
    const messaging = new TransactionalMessaging(dataSource, publisher, silentLogger, { graceMs: 0 });
    await dataSource.query(`CREATE OR REPLACE FUNCTION "${schema}".gate_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'delete refused'; END $$`);
    await dataSource.query(
      `CREATE TRIGGER gate_delete BEFORE DELETE ON "${schema}".outbox FOR EACH ROW EXECUTE FUNCTION "${schema}".gate_delete()`,
    );
    const events: CloudEvent<unknown>[] = await messaging.run(async (tx) =>
      ['4444444444444444', '5555555555555555', '6666666666666666'].map((fingerprint) =>
        tx.stage('alerts.received', sampleAlertReceived({ fingerprint }), { subject: fingerprint }),
      ),
    );
    await messaging.deletesIdle();
    // Each row (kept by the refused delete) holds what was published: same event, same id, nothing else on the stream.
    const rows: Array<{ id: string; event: CloudEvent<unknown> }> = await dataSource.query(
      `SELECT id, event FROM "${schema}".outbox ORDER BY id`,
    );
    const messages = await streamMessages();
    expect(messages.map((message) => message.msgId).sort()).toEqual(events.map((event) => event.id).sort());
    for (const message of messages) {
      const published = JSON.parse(message.payload) as CloudEvent<unknown>;
      expect(published.id).toBe(message.msgId);
      expect(published).toEqual(rows.find((row) => row.id === message.msgId)?.event);
      expect(message.payload).toBe(JSON.stringify(events.find((event) => event.id === message.msgId)));
    }
  });
});
