import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { buildConfig, openDatabase, table } from '@firebreak/platform';
import { resolveDatabaseUrl, uniqueTestId } from '@firebreak/testing';
import { AttemptRecord, initialState } from '../engine/engine.types';
import { SERVICE } from '../service';
import { ExecutionsRepository, FinalWrite } from './executions.repository';

// The worker's prepared claim and its one-statement closing write, on the repository alone (its own schema).
const schema = uniqueTestId('wwrites');
const LEASE_MS = 30_000;
const executions = table(schema, 'executions');
let db: DataSource;
let repo: ExecutionsRepository;
let clock = Date.parse('2026-01-01T00:00:00Z');
const tick = () => new Date((clock += 1_000));
const later = () => new Date(clock + 60_000);

beforeAll(async () => {
  const config = buildConfig(SERVICE, { FIREBREAK_DB_SCHEMA: schema, DATABASE_URL: await resolveDatabaseUrl() });
  db = await openDatabase(
    { url: await resolveDatabaseUrl(), schema, migrations: SERVICE.database!.migrations },
    pino({ level: 'silent' }),
    1,
  );
  repo = new ExecutionsRepository(db, config);
});

afterAll(async () => {
  await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db?.destroy();
});

beforeEach(async () => {
  await db.query(`TRUNCATE ${executions} CASCADE`);
});

async function queue(runbookId: string, runbookLimit: number | null = null): Promise<string> {
  const id = randomUUID();
  await db.transaction((manager) =>
    repo.insert(manager, {
      id,
      requestId: id,
      runbookId,
      definition: null,
      mode: 'live',
      trigger: 'alert',
      severity: 'warning',
      concurrencyKey: null,
      concurrencyLimit: null,
      runbookLimit,
      context: {},
      params: {},
      status: 'queued',
      escalate: false,
      createdAt: tick(),
    }),
  );
  return id;
}

/** A claim on the pool's one connection; `generic` has Postgres use the prepared statement's generic plan from the first run. */
async function claim(worker: string, max: number, generic = false) {
  if (generic) await db.query('SET plan_cache_mode = force_generic_plan');
  try {
    return await repo.claim(worker, later(), LEASE_MS, 100, max);
  } finally {
    if (generic) await db.query('RESET plan_cache_mode');
  }
}
const preparedClaims = (): Promise<Array<{ name: string; generic_plans: string }>> =>
  db.query(`SELECT name, generic_plans FROM pg_prepared_statements WHERE name LIKE 'executor_claim_%'`);

describe('the claim, a prepared statement', () => {
  it('is prepared on the connection, and its generic plan still admits no more of a runbook than its limit', async () => {
    const limited = [await queue('limited', 2), await queue('limited', 2), await queue('limited', 2)];
    const free = await queue('free');
    const rows = await claim('w1', 10, true);
    const prepared = await preparedClaims();
    expect(rows.map((row) => row.id)).toEqual([limited[0], limited[1], free]);
    expect(prepared).toHaveLength(1);
    expect(Number(prepared[0].generic_plans)).toBeGreaterThan(0);
    // Prepared once per connection: the second claim on it runs the statement the first prepared.
    expect(await claim('w2', 10, true)).toEqual([]);
    expect(await preparedClaims()).toHaveLength(1);
  });

  it('keeps working after a migration adds a column to the executions table (its columns are listed, not *)', async () => {
    await queue('before');
    // Prepared and planned on this connection before the column exists...
    for (let i = 0; i < 6; i++) await claim('w1', 0, true);
    await db.query(`ALTER TABLE ${executions} ADD COLUMN added_later text`);
    try {
      await queue('after');
      const preparedBefore = await preparedClaims();
      // ...and run on that connection again after.
      const rows = await claim('w1', 10, true);
      expect(preparedBefore).toHaveLength(1);
      expect(rows.map((row) => row.runbook_id)).toEqual(['before', 'after']);
    } finally {
      await db.query(`ALTER TABLE ${executions} DROP COLUMN added_later`);
    }
  });
});

const attempt = (stepId: string, status: AttemptRecord['status']): AttemptRecord => ({
  stepId,
  stepType: 'http',
  attempt: 1,
  rollback: false,
  status,
  startedAt: new Date(clock),
  ...(status === 'running' ? {} : { finishedAt: new Date(clock) }),
});
const succeeded: FinalWrite = { status: 'succeeded', reason: 'done', escalate: false, at: new Date('2026-01-02T00:00:00Z') };

async function pendingApproval(executionId: string): Promise<void> {
  await db.query(
    `INSERT INTO ${table(schema, 'approvals')} (id, execution_id, step_id, runbook_id, severity, summary, status, requested_at, expires_at)
     VALUES ($1, $2, 'ok', 'r', 'warning', 's', 'pending', now(), now() + interval '1 hour')`,
    [randomUUID(), executionId],
  );
}
const approvalStatuses = async (executionId: string) =>
  (await db.query(`SELECT status FROM ${table(schema, 'approvals')} WHERE execution_id = $1`, [executionId])).map(
    (row: { status: string }) => row.status,
  );

describe('the closing write (finishLeased), one statement', () => {
  it("with the lease: ends the run, writes its state and attempts, cancels its pending approvals, returns the cancel's author", async () => {
    const id = await queue('closing');
    await claim('w1', 1);
    await db.query(`UPDATE ${executions} SET cancel_requested_by = 'alice' WHERE id = $1`, [id]);
    await pendingApproval(id);
    const state = { ...initialState(), cursor: 1 };
    const current = await db.transaction((manager) =>
      repo.finishLeased(manager, id, 'w1', { state, attempts: [attempt('first', 'running'), attempt('first', 'succeeded')] }, succeeded),
    );
    expect(current).toEqual({ cancel_requested_by: 'alice' });
    expect(await repo.get(id)).toMatchObject({ status: 'succeeded', lease_owner: null, finished_at: succeeded.at, state });
    expect((await repo.attempts(id)).map((a) => `${a.step_id}:${a.status}`)).toEqual(['first:succeeded']);
    expect(await approvalStatuses(id)).toEqual(['cancelled']);
  });

  it('without the lease (another worker took the run over): writes nothing at all and says so', async () => {
    const id = await queue('taken-over');
    await claim('w1', 1);
    await db.query(`UPDATE ${executions} SET lease_owner = 'w2' WHERE id = $1`, [id]);
    await pendingApproval(id);
    const current = await db.transaction((manager) =>
      repo.finishLeased(manager, id, 'w1', { state: initialState(), attempts: [attempt('first', 'succeeded')] }, succeeded),
    );
    expect(current).toBeUndefined();
    expect(await repo.get(id)).toMatchObject({ status: 'running', lease_owner: 'w2', finished_at: null });
    expect(await repo.attempts(id)).toEqual([]);
    expect(await approvalStatuses(id)).toEqual(['pending']);
  });

  it('with no state given, keeps the state the last write left', async () => {
    const id = await queue('no-state');
    await claim('w1', 1);
    const state = { ...initialState(), cursor: 2 };
    await db.transaction((manager) => repo.saveState(manager, id, 'w1', state));
    await db.transaction((manager) => repo.finishLeased(manager, id, 'w1', { state: null, attempts: [] }, succeeded));
    expect(await repo.get(id)).toMatchObject({ status: 'succeeded', state });
  });
});
