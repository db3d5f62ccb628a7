import pino from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { openDatabase } from '@firebreak/platform';
import { resolveDatabaseUrl, uniqueTestId } from '@firebreak/testing';
import { AnalysisWaitsRepository } from '../src/delivery/analysis-waits.repository';
import { DeliveriesRepository } from '../src/delivery/deliveries.repository';
import { DeliveryHistoryRepository } from '../src/delivery/delivery-history.repository';
import { HistoryRepository } from '../src/history/history.repository';
import { NotifierConfig, SERVICE } from '../src/service';

/** The indexes a query must read (the hot path's, and those only a filtered history can use). */
const USES: Record<string, string[]> = {
  claim: ['deliveries_due_idx', 'deliveries_head_idx', 'deliveries_follow_ups_due_idx'],
  'claim onto wire': ['deliveries_due_idx', 'deliveries_head_idx', 'deliveries_follow_ups_due_idx'],
  firing: ['deliveries_fingerprint_seq_idx'],
  'history {"channel":"ops"}': ['deliveries_channel_seq_idx'],
  'history {"status":"failed"}': ['deliveries_status_seq_idx'],
  'history {"fingerprint":"fp"}': ['deliveries_fingerprint_seq_idx'],
  'history {}': ['deliveries_seq_key'],
};

/** A statement as a repository sends it, recorded instead of run. */
interface Sent {
  name: string;
  sql: string;
  parameters: unknown[];
}

/**
 * Every index on `deliveries` is written by each insert and each claim of a delivery, so the table keeps only indexes a
 * query reads, and every query of the notifier on it stays index-backed. Planned with sequential scans disabled: a
 * query no index can serve still shows a Seq Scan on deliveries (an empty table's planner may also pick any index whose
 * leading column fits, so the hot path's and the history's are named).
 */
describe('deliveries indexes', () => {
  const schema = uniqueTestId('t_notifier_plans');
  let db: DataSource;
  const sent: Sent[] = [];

  beforeAll(async () => {
    db = await openDatabase(
      { url: await resolveDatabaseUrl(), schema, migrations: SERVICE.database!.migrations, poolSize: 2 },
      pino({ level: 'silent' }),
      1,
    );
  }, 60_000);

  afterAll(async () => {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.destroy();
  });

  /** Runs `call` against a manager (and a data source) that record the statements sent and answer no rows. */
  async function record(name: string, call: (manager: EntityManager, dataSource: DataSource) => Promise<unknown>): Promise<void> {
    const query = (sql: string, parameters: unknown[] = []) => {
      sent.push({ name, sql, parameters });
      return Promise.resolve([]);
    };
    // What the method makes of no rows does not matter here (some expect one): only what it sent.
    await call({ query } as unknown as EntityManager, { query } as unknown as DataSource).catch(() => undefined);
    expect(sent.some((s) => s.name === name)).toBe(true);
  }

  it('are the ones the notifier reads, and every query of deliveries uses one', async () => {
    const config = { dbSchema: schema } as NotifierConfig;
    const now = new Date();
    await record('claim', (m, d) => new DeliveriesRepository(d, config).claimDue(m, 'ops', 64, now, new Date(now.getTime() + 60_000)));
    await record('claim onto wire', (m, d) =>
      new DeliveriesRepository(d, config).claimOntoWire(m, 'ops', 64, now, new Date(now.getTime() + 60_000), {
        tokens: 10,
        refilledAt: now,
      }),
    );
    await record('next due', (m, d) => new DeliveriesRepository(d, config).nextDueAt('ops'));
    await record('backlog count', (m, d) => new DeliveriesRepository(d, config).countBacklog(m, 'ops', now, 100));
    await record('backlog lock', (m, d) => new DeliveriesRepository(d, config).lockBacklog(m, 'ops', now, 10, 5000));
    await record('superseded', (m, d) => new DeliveriesRepository(d, config).isSuperseded(m, 'x'));
    await record('firing', (m) => new AnalysisWaitsRepository(config).firingDeliveries(m, 'fp', now.toISOString()));
    await record('pending by channel', (m, d) => new DeliveryHistoryRepository(d, config).pendingByChannel());
    await record('prune', (m, d) => new DeliveryHistoryRepository(d, config).prune(now));
    for (const filter of [{}, { channel: 'ops' }, { status: 'failed' as const }, { fingerprint: 'fp' }, { beforeSeq: 10 }])
      await record(`history ${JSON.stringify(filter)}`, (m, d) => new HistoryRepository(d, config).list({ ...filter, limit: 50 }));

    const indexes = await db.query<Array<{ indexname: string }>>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'deliveries' ORDER BY 1`,
      [schema],
    );
    const expected = [
      'deliveries_channel_seq_idx',
      'deliveries_due_idx',
      'deliveries_fingerprint_seq_idx',
      'deliveries_follow_ups_due_idx',
      'deliveries_head_idx',
      'deliveries_pkey',
      'deliveries_seq_key',
      'deliveries_settled_idx',
      'deliveries_status_seq_idx',
    ];

    const unindexed: string[] = [];
    const runner = db.createQueryRunner();
    try {
      await runner.startTransaction();
      await runner.query('SET LOCAL enable_seqscan = off');
      for (const { name, sql, parameters } of sent.filter((s) => /\bdeliveries\b/.test(s.sql))) {
        const plan = (await runner.query(`EXPLAIN ${sql}`, parameters)) as Array<Record<string, string>>;
        const lines = plan.map((row) => row['QUERY PLAN']);
        if (lines.some((line) => /Seq Scan on deliveries\b/.test(line))) unindexed.push(name);
        const wanted = USES[name] ?? [];
        if (wanted.some((index) => !lines.some((line) => line.includes(` using ${index} `))))
          unindexed.push(`${name} without ${wanted.join(', ')}`);
      }
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
    }
    expect(sent.filter((s) => /\bdeliveries\b/.test(s.sql)).length).toBeGreaterThanOrEqual(14);
    expect({ indexes: indexes.map((row) => row.indexname), unindexed }).toEqual({ indexes: expected, unindexed: [] });
  }, 60_000);

  /**
   * `alert_marks` holds a mark per alert and target sent in the last FIREBREAK_NOTIFY_HISTORY_DAYS: each claim round
   * must look up the marks of what it claimed, not read them all. Planned as the planner plans it in a storm: thousands
   * of marks, statistics never gathered (no ANALYZE).
   */
  it("the round's claim looks up the marks of the claimed deliveries only", async () => {
    const config = { dbSchema: schema } as NotifierConfig;
    await db.query(
      `INSERT INTO "${schema}".alert_marks (channel, target, fingerprint, sent_ordered_at, updated_at)
       SELECT 'ops', 'default', 'fp-' || n, now(), now() FROM generate_series(1, 5000) AS n`,
    );
    const now = new Date();
    await record('claim onto wire (marks)', (m, d) =>
      new DeliveriesRepository(d, config).claimOntoWire(m, 'ops', 64, now, new Date(now.getTime() + 60_000), {
        tokens: 10,
        refilledAt: now,
      }),
    );
    const [{ sql, parameters }] = sent.filter((s) => s.name === 'claim onto wire (marks)');
    const plan = ((await db.query(`EXPLAIN ${sql}`, parameters)) as Array<Record<string, string>>).map((row) => row['QUERY PLAN']);
    expect(plan.filter((line) => /Seq Scan on alert_marks\b/.test(line))).toEqual([]);
    expect(plan.some((line) => line.includes(' using alert_marks_pkey '))).toBe(true);
  }, 60_000);
});
