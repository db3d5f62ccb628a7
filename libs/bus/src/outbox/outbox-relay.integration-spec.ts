import { DataSource } from 'typeorm';
import { CloudEvent } from '@firebreak/contracts';
import { sampleAlertReceived, waitFor } from '@firebreak/testing';
import { PubAck } from '../ack-tracker';
import { BusConnection } from '../connection';
import { EventPublisher, PublisherOptions } from '../publisher';
import { OutboxTestBed, silentLogger } from './testing/outbox-test-bed';
import { TransactionalMessaging } from './transactional-messaging';

const alertReceived = (fingerprint: string) => sampleAlertReceived({ fingerprint });

interface OutboxRow {
  id: string;
  sent_at: Date | null;
  attempts: number;
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

/** The relay: what a crash between commit and publish leaves in the outbox is published later, once, by any replica. */
describe('the outbox relay against real Postgres and JetStream', () => {
  let bed: OutboxTestBed;
  let messaging: TransactionalMessaging;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    bed = await OutboxTestBed.open('relay');
    messaging = new TransactionalMessaging(bed.dataSource, bed.publisher, silentLogger);
  });

  beforeEach(() => bed.reset());

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  afterAll(() => bed?.close());

  /** What the outbox holds once the shared instance's deletes are done: run() deletes its rows behind it. */
  async function outboxRows(): Promise<OutboxRow[]> {
    await messaging.deletesIdle();
    return bed.dataSource.query(`SELECT id, sent_at, attempts FROM "${bed.schema}".outbox ORDER BY created_at, id`);
  }

  async function deadPublisher(): Promise<EventPublisher> {
    const dead = await bed.deadPublisher();
    cleanups.push(() => dead.close());
    return dead;
  }

  it('publishes on restart what a process that died between commit and publish left in the outbox', async () => {
    const crashed = new TransactionalMessaging(bed.dataSource, await deadPublisher(), silentLogger);
    const staged = await crashed.run(async (tx) => {
      await bed.bump(tx.manager, 'crash');
      return tx.stage('alerts.received', alertReceived('2222222222222222'));
    });
    const eventId = staged.id;

    // Committed, but never published.
    expect(await bed.counter('crash')).toBe(1);
    expect(await outboxRows()).toEqual([{ id: eventId, sent_at: null, attempts: 0 }]);
    expect(await bed.streamEntriesFor([eventId])).toHaveLength(0);

    // A relay leaves rows inside the grace period to the publish right after their commit.
    const patient = new TransactionalMessaging(bed.dataSource, bed.publisher, silentLogger, { graceMs: 60_000 });
    expect(await patient.sweep()).toBe(0);
    expect(await outboxRows()).toEqual([{ id: eventId, sent_at: null, attempts: 0 }]);

    const restarted = new TransactionalMessaging(bed.dataSource, bed.publisher, silentLogger, { graceMs: 0 });
    expect(await restarted.sweep()).toBe(1);

    const published = await bed.streamEntriesFor([eventId]);
    expect(published).toHaveLength(1);
    expect(published[0].msgId).toBe(eventId);
    expect(published[0].subject).toBe(bed.subjects.wire('alerts.received'));
    expect(published[0].event).toEqual(staged);
    // The relay deleted what it published: nothing is left for a later sweep to publish again.
    expect(await outboxRows()).toEqual([]);
    expect(await restarted.sweep()).toBe(0);
    expect(await bed.streamEntriesFor([eventId])).toHaveLength(1);
  });

  it('publishes leftovers from the relay timer once started', async () => {
    const crashed = new TransactionalMessaging(bed.dataSource, await deadPublisher(), silentLogger);
    const event = await crashed.run(async (tx) => tx.stage('alerts.received', alertReceived('2222222222222222')));

    const relay = new TransactionalMessaging(bed.dataSource, bed.publisher, silentLogger, { graceMs: 0, sweepIntervalMs: 50 });
    relay.startRelay();
    cleanups.push(() => relay.stopRelay());
    await waitFor(async () => (await outboxRows()).length === 0, { message: 'relay did not publish the leftover row' });
    expect(await bed.streamEntriesFor([event.id])).toHaveLength(1);
  });

  it('sets aside a row that can never be published, keeping its error, and publishes the rows behind it', async () => {
    const crashed = new TransactionalMessaging(bed.dataSource, await deadPublisher(), silentLogger);
    const small = await crashed.run(async (tx) => tx.stage('alerts.received', alertReceived('3333333333333333')));
    const huge = {
      ...small,
      id: 'huge-event',
      data: { ...small.data, alert: { ...small.data.alert, annotations: { blob: 'x'.repeat(2 * 1_048_576) } } },
    };
    await bed.dataSource.query(
      `INSERT INTO "${bed.schema}".outbox (id, subject, event, created_at) VALUES ($1, 'alerts.received', $2::jsonb, now() - interval '1 minute')`,
      [huge.id, JSON.stringify(huge)],
    );

    const relay = new TransactionalMessaging(bed.dataSource, bed.publisher, silentLogger, { graceMs: 0 });
    expect(await relay.sweep()).toBe(1);

    expect(await bed.streamEntriesFor([small.id])).toHaveLength(1);
    const [dead] = await bed.dataSource.query(
      `SELECT attempts, dead_at, last_error, sent_at FROM "${bed.schema}".outbox WHERE id = 'huge-event'`,
    );
    expect(dead).toMatchObject({ attempts: 1, sent_at: null, last_error: expect.stringMatching(/max_payload/) });
    expect(dead.dead_at).toBeInstanceOf(Date);
    expect(await relay.sweep()).toBe(0);
    // The published row is gone; the dead one stays for inspection.
    expect((await outboxRows()).map((row) => row.id)).toEqual(['huge-event']);
  });

  it('backs a failing row off on its own, keeping the error, and publishes it once it is due again', async () => {
    const crashed = new TransactionalMessaging(bed.dataSource, await deadPublisher(), silentLogger);
    const event = await crashed.run(async (tx) => tx.stage('alerts.received', alertReceived('4444444444444444')));
    // A real publisher that JetStream refuses once for this event (a stream missing for a moment).
    let refusals = 1;
    const flaky = Object.assign(Object.create(bed.publisher) as EventPublisher, {
      publishEvent: (subject: string, staged: CloudEvent<unknown>, headers?: Record<string, string>) =>
        staged.id === event.id && refusals-- > 0
          ? Promise.reject(new Error('no responders available for request'))
          : bed.publisher.publishEvent(subject, staged, headers),
    });
    const relay = new TransactionalMessaging(bed.dataSource, flaky, silentLogger, { graceMs: 0, retryBaseMs: 60_000 });

    expect(await relay.sweep()).toBe(0);
    const [waiting] = await bed.dataSource.query(
      `SELECT attempts, last_error, dead_at, next_attempt_at > now() + interval '50 seconds' AS backed_off FROM "${bed.schema}".outbox WHERE id = $1`,
      [event.id],
    );
    expect(waiting).toEqual({ attempts: 1, last_error: 'no responders available for request', dead_at: null, backed_off: true });
    expect(await relay.sweep()).toBe(0);

    await bed.dataSource.query(`UPDATE "${bed.schema}".outbox SET next_attempt_at = now() WHERE id = $1`, [event.id]);
    expect(await relay.sweep()).toBe(1);
    expect(await bed.streamEntriesFor([event.id])).toHaveLength(1);
    expect(await outboxRows()).toEqual([]);
  });

  it('stopRelay() waits for the sweep in flight, so shutdown never closes Postgres under it', async () => {
    const crashed = new TransactionalMessaging(bed.dataSource, await deadPublisher(), silentLogger);
    await crashed.run(async (tx) => tx.stage('alerts.received', alertReceived('2222222222222222')));

    const relay = new TransactionalMessaging(bed.dataSource, bed.publisher, silentLogger, { graceMs: 0 });
    let swept: number | undefined;
    void relay.sweep().then((count) => (swept = count));
    await relay.stopRelay();
    expect(swept).toBe(1);
  });

  it('keeps rows in Postgres while NATS is away (no sweep, nothing buffered) and publishes them once it is back', async () => {
    const offline = new TransactionalMessaging(bed.dataSource, await deadPublisher(), silentLogger, { graceMs: 0 });
    const event = await offline.run(async (tx) => tx.stage('alerts.received', alertReceived('2222222222222222')));

    expect(await offline.sweep()).toBe(0);
    const [waiting]: Array<OutboxRow & { last_error: string | null }> = await bed.dataSource.query(
      `SELECT id, sent_at, attempts, last_error FROM "${bed.schema}".outbox`,
    );
    expect(waiting).toMatchObject({ id: event.id, sent_at: null, attempts: 0 });
    expect(await bed.streamEntriesFor([event.id])).toHaveLength(0);

    expect(await new TransactionalMessaging(bed.dataSource, bed.publisher, silentLogger, { graceMs: 0 }).sweep()).toBe(1);
    expect(await outboxRows()).toEqual([]);
    expect(await bed.streamEntriesFor([event.id])).toHaveLength(1);
  });

  it('lets two relays sweep at once without sending any event twice', async () => {
    const crashed = new TransactionalMessaging(bed.dataSource, await deadPublisher(), silentLogger);
    const ids = await Promise.all(
      Array.from({ length: 50 }, () => crashed.run(async (tx) => tx.stage('alerts.received', alertReceived('5555555555555555')).id)),
    );
    expect(new Set(ids).size).toBe(50);
    const unsent = await outboxRows();
    expect(unsent).toHaveLength(50);
    expect(unsent.every((row) => row.sent_at === null)).toBe(true);
    const messagesBefore = await bed.streamMessageCount();

    // Two replicas: each its own pool and publisher. Their first publishes wait for each other, so
    // each sweep holds its row locks while the other selects.
    const barrier = new Barrier(2, 5000);
    const secondDataSource = await new DataSource({ type: 'postgres', url: bed.databaseUrl, schema: bed.schema }).initialize();
    const relays = [bed.dataSource, secondDataSource].map((source) => {
      const gated = new GatedPublisher(bed.connection, bed.publisherOptions, barrier);
      return { gated, messaging: new TransactionalMessaging(source, gated, silentLogger, { graceMs: 0, batchSize: 10 }) };
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

    const published = await bed.streamEntriesFor(ids);
    expect(published).toHaveLength(50);
    expect(new Set(published.map((entry) => entry.msgId))).toEqual(new Set(ids));
    expect(await bed.streamMessageCount()).toBe(messagesBefore + 50);
  });
});
