import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource, QueryRunner } from 'typeorm';
import { DependencyUnavailableError } from '@firebreak/bus';
import { waitFor } from '@firebreak/testing';
import { Signal } from '../core/signals';
import { BusProbe, closeInstallation, startReporter, useInstallation, DELIVERY_SLO } from '../testing/slo-harness';
import { EventCountingService } from './event-counting.service';

const ID = `slo_batches_${process.pid}`;

/**
 * Events counted in batches (many events, one transaction) straight through the service: what is submitted in one
 * turn is one batch, so a test decides which events share a transaction.
 */
describe('counting events in batches (real Postgres)', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let counting: EventCountingService;
  let db: DataSource;

  beforeAll(async () => {
    bus = await useInstallation(ID, { tokens: 'viewer-token:viewer', slos: DELIVERY_SLO });
    app = await startReporter();
    counting = app.get(EventCountingService);
    db = app.get(DataSource);
  });

  afterAll(() => closeInstallation(ID, app, bus));

  const minute = (iso: string) => new Date(`2025-06-02T${iso}Z`);
  /** Events counted towards `signal` in the minute starting at `from`. */
  const sum = async (signal: Signal, from: string) =>
    (await counting.sums([signal], minute(from), new Date(minute(from).getTime() + 60_000))).get(signal) ?? 0;

  /** Holds the counter row of `signal` at `at` (counting one event into it first) until the returned runner commits. */
  async function holdCounterRow(signal: Signal, at: Date): Promise<QueryRunner> {
    await counting.count('holder', `seed-${signal}-${at.toISOString()}`, [signal], at);
    const holder = db.createQueryRunner();
    await holder.startTransaction();
    await holder.query(`SELECT 1 FROM "${ID}".event_counts WHERE signal = $1 AND bucket = $2 FOR UPDATE`, [signal, at]);
    return holder;
  }

  /** Backends of this installation waiting for a lock while running a statement on `table`. */
  async function waitingOn(table: 'event_counts' | 'inbox'): Promise<number[]> {
    const rows: Array<{ pid: number }> = await db.query(
      `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND position($1 in query) > 0`,
      [`"${ID}".${table}`],
    );
    return rows.map((row) => row.pid);
  }

  it('counts a burst in its events minutes, however many share a bucket', async () => {
    const outcomes = await Promise.all([
      counting.count('burst', 'b1', ['alerts.firing', 'alerts.firing.critical'], minute('10:00:01')),
      counting.count('burst', 'b2', ['alerts.firing'], minute('10:00:59.999')),
      counting.count('burst', 'b3', ['alerts.firing'], minute('10:00:30')),
      counting.count('burst', 'b4', ['alerts.firing'], minute('10:01:00')),
    ]);
    expect(outcomes).toEqual([true, true, true, true]);
    expect([await sum('alerts.firing', '10:00:00'), await sum('alerts.firing', '10:01:00')]).toEqual([3, 1]);
    // A second burst adds its sums to the minutes' counts.
    await Promise.all([
      counting.count('burst', 'b5', ['alerts.firing'], minute('10:00:10')),
      counting.count('burst', 'b6', ['alerts.firing'], minute('10:00:20')),
    ]);
    expect(await sum('alerts.firing', '10:00:00')).toBe(5);
    expect(await sum('alerts.firing.critical', '10:00:00')).toBe(1);
  });

  it('counts events of years the contract accepts but ISO text would not reach Postgres as (0000, -000001, +010000), batch-mates too', async () => {
    const odd = ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-10:00'].map((time) => new Date(time));
    const outcomes = await Promise.all([
      ...odd.map((at, i) => counting.count('odd-years', `odd-${i}`, ['notifications.failed'], at)),
      counting.count('odd-years', 'odd-mate', ['notifications.failed'], minute('10:00:00')),
    ]);
    expect(outcomes).toEqual([true, true, true, true]);
    const counted = await counting.sums(['notifications.failed'], new Date(Date.UTC(-1, 0, 1)), new Date(Date.UTC(10_001, 0, 1)));
    expect(counted.get('notifications.failed')).toBeGreaterThanOrEqual(4);
    const [row] = await db.query(
      `SELECT count(*)::int AS n FROM "${ID}".event_counts WHERE signal = 'notifications.failed' AND (bucket < '0002-01-01' OR bucket >= '9999-12-31')`,
    );
    expect(row.n).toBe(3);
  });

  it('counts an event delivered twice into one batch once, and once for each consumer that received it', async () => {
    const at = minute('11:00:00');
    const outcomes = await Promise.all([
      counting.count('twice', 'dup-1', ['notifications.delivered'], at),
      counting.count('twice', 'dup-1', ['notifications.delivered'], at),
      counting.count('other-consumer', 'dup-1', ['notifications.failed'], at),
    ]);
    expect(outcomes).toEqual([true, false, true]);
    expect([await sum('notifications.delivered', '11:00:00'), await sum('notifications.failed', '11:00:00')]).toEqual([1, 1]);
    // And again later, in a batch of its own.
    expect(await counting.count('twice', 'dup-1', ['notifications.delivered'], at)).toBe(false);
    expect(await sum('notifications.delivered', '11:00:00')).toBe(1);
  });

  it('counts an event once when a concurrent batch claims it too: that batch waits and leaves it', async () => {
    const at = minute('12:00:00');
    const holder = await holdCounterRow('notifications.failed', at);
    const first = counting.count('racing', 'race-1', ['notifications.failed'], at);
    await waitFor(async () => (await waitingOn('event_counts')).length === 1, { message: 'the first batch waits for the counter row' });
    // Submitted in a later turn: a second batch, which finds race-1 claimed by the first, not yet committed.
    const second = Promise.all([
      counting.count('racing', 'race-1', ['notifications.failed'], at),
      counting.count('racing', 'race-2', ['notifications.failed'], at),
    ]);
    await waitFor(async () => (await waitingOn('inbox')).length === 1, { message: 'the second batch waits for the inbox row' });
    await holder.commitTransaction();
    await holder.release();
    expect([await first, await second]).toEqual([true, [false, true]]);
    // The seed, race-1 and race-2.
    expect(await sum('notifications.failed', '12:00:00')).toBe(3);
  });

  it('claims an event that counts towards nothing, so its redelivery is known as one', async () => {
    expect(await counting.count('nothing', 'none-1', [], minute('13:00:00'))).toBe(true);
    expect(await counting.count('nothing', 'none-1', [], minute('13:00:00'))).toBe(false);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM "${ID}".inbox WHERE consumer = 'nothing'`);
    expect(n).toBe(1);
  });

  it('counts the other events of a batch in which one fails, and leaves the failed one unclaimed', async () => {
    await db.query(`CREATE FUNCTION "${ID}".refuse_old_buckets() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.bucket < '2000-01-01' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`);
    await db.query(
      `CREATE TRIGGER refuse_old_buckets BEFORE INSERT ON "${ID}".event_counts FOR EACH ROW EXECUTE FUNCTION "${ID}".refuse_old_buckets()`,
    );
    try {
      const outcomes = await Promise.allSettled([
        counting.count('poison', 'good-1', ['remediations.succeeded'], minute('14:00:00')),
        counting.count('poison', 'bad-1', ['remediations.succeeded'], new Date('1999-06-02T14:00:00Z')),
        counting.count('poison', 'good-2', ['remediations.succeeded'], minute('14:00:00')),
      ]);
      expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : String(outcome.reason)))).toEqual([
        true,
        expect.stringContaining('refused for the test'),
        true,
      ]);
      expect(await sum('remediations.succeeded', '14:00:00')).toBe(2);
    } finally {
      await db.query(`DROP TRIGGER refuse_old_buckets ON "${ID}".event_counts`);
    }
    // Its redelivery counts it.
    expect(await counting.count('poison', 'bad-1', ['remediations.succeeded'], new Date('1999-06-02T14:00:00Z'))).toBe(true);
  });

  it('fails every event of a batch whose connection is lost as an outage to wait out, claiming none of them', async () => {
    const at = minute('15:00:00');
    const holder = await holdCounterRow('remediations.failed', at);
    const outcomes = Promise.allSettled([
      counting.count('outage', 'lost-1', ['remediations.failed'], at),
      counting.count('outage', 'lost-2', ['remediations.failed'], at),
    ]);
    let settled = false;
    void outcomes.then(() => (settled = true));
    // The batch, then each event alone (the batcher's retry), loses its connection while waiting for the row.
    await waitFor(
      async () => {
        for (const pid of await waitingOn('event_counts')) await db.query('SELECT pg_terminate_backend($1)', [pid]);
        return settled;
      },
      { message: 'every try of the batch lost its connection' },
    );
    await holder.commitTransaction();
    await holder.release();
    for (const outcome of await outcomes)
      expect(outcome).toMatchObject({ status: 'rejected', reason: expect.any(DependencyUnavailableError) });
    expect(
      await Promise.all([
        counting.count('outage', 'lost-1', ['remediations.failed'], at),
        counting.count('outage', 'lost-2', ['remediations.failed'], at),
      ]),
    ).toEqual([true, true]);
    // The seed, lost-1 and lost-2.
    expect(await sum('remediations.failed', '15:00:00')).toBe(3);
  });
});
