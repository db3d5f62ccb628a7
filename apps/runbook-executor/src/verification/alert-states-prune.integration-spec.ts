import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { buildConfig, openDatabase, table } from '@firebreak/platform';
import { resolveDatabaseUrl, uniqueTestId } from '@firebreak/testing';
import { ExecutionStatus, VerifyStatus } from '../lifecycle/execution.types';
import { SERVICE } from '../service';
import { pruneStatement, VerificationRepository } from './verification.repository';

// The prune of alert_states against real Postgres: what it deletes, what verification still needs and it keeps.
const schema = uniqueTestId('alertprune');
const alertStates = table(schema, 'alert_states');
const executions = table(schema, 'executions');
let db: DataSource;
let repo: VerificationRepository;

beforeAll(async () => {
  const url = await resolveDatabaseUrl();
  db = await openDatabase({ url, schema, migrations: SERVICE.database!.migrations }, pino({ level: 'silent' }), 2);
  repo = new VerificationRepository(buildConfig(SERVICE, { FIREBREAK_DB_SCHEMA: schema, DATABASE_URL: url }), db);
});

afterAll(async () => {
  await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db?.destroy();
});

beforeEach(() => db.query(`TRUNCATE ${alertStates}, ${executions} CASCADE`));

const cutoff = new Date('2026-01-10T00:00:00Z');
const daysBefore = (days: number) => new Date(cutoff.getTime() - days * 86_400_000);

async function alertState(status: 'firing' | 'resolved', changedAt: Date): Promise<string> {
  const fingerprint = randomBytes(8).toString('hex');
  await repo.recordAlertStates([{ fingerprint, status, at: changedAt }]);
  return fingerprint;
}

async function run(fingerprint: string, createdAt: Date, status: ExecutionStatus, verify: VerifyStatus | null = null): Promise<void> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO ${executions} (id, request_id, runbook_id, mode, trigger, fingerprint, severity, status, created_at, not_before, verify_status)
     VALUES ($1::uuid, $1::text, 'fix', 'live', 'alert', $2, 'critical', $3, $4, $4, $5)`,
    [id, fingerprint, status, createdAt, verify],
  );
}

const stored = async () =>
  ((await db.query(`SELECT fingerprint FROM ${alertStates}`)) as Array<{ fingerprint: string }>).map((row) => row.fingerprint).sort();

it('deletes the states of alerts resolved before the cut-off that no run needs, and keeps every state verification may read', async () => {
  const resolvedLongAgo = await alertState('resolved', daysBefore(3));
  const resolvedRecently = await alertState('resolved', new Date(cutoff.getTime() + 1));
  const firingLongAgo = await alertState('firing', daysBefore(3));
  // Runs that ended and were verified, or began after the resolution (which resolvedSince never shows them): none needs it.
  const doneWith = await alertState('resolved', daysBefore(2));
  await run(doneWith, daysBefore(2.1), 'succeeded', 'effective');
  await run(doneWith, daysBefore(1.5), 'running');
  // A run created before the resolution that has not ended (waiting for an approval), or whose verification is pending.
  const waiting = await alertState('resolved', daysBefore(2));
  await run(waiting, daysBefore(2.1), 'waiting_approval');
  const pending = await alertState('resolved', daysBefore(2));
  await run(pending, daysBefore(2.1), 'succeeded', 'pending');

  expect(await repo.pruneAlertStates(cutoff, 100)).toBe(2);
  expect(await stored()).toEqual([resolvedRecently, firingLongAgo, waiting, pending].sort());
  expect(await stored()).not.toContain(resolvedLongAgo);
  // What the kept rows are kept for: the run that ends, or the pending verification swept, still sees the resolution.
  expect(await repo.resolvedSince(db.manager, waiting, daysBefore(2.1))).toBe(true);
  expect(await repo.resolvedSince(db.manager, pending, daysBefore(2.1))).toBe(true);
});

it('deletes at most `limit` states per statement, oldest first, and the rest with the next', async () => {
  const oldest = await alertState('resolved', daysBefore(5));
  const older = await alertState('resolved', daysBefore(4));
  const old = await alertState('resolved', daysBefore(3));

  expect(await repo.pruneAlertStates(cutoff, 2)).toBe(2);
  expect(await stored()).toEqual([old]);
  expect(await stored()).not.toContain(oldest);
  expect(await stored()).not.toContain(older);
  expect(await repo.pruneAlertStates(cutoff, 2)).toBe(1);
  expect(await repo.pruneAlertStates(cutoff, 2)).toBe(0);
});

it('an alert that fires again after its state was pruned is stored again, and its next resolution verifies as before', async () => {
  const fingerprint = await alertState('resolved', daysBefore(3));
  expect(await repo.pruneAlertStates(cutoff, 100)).toBe(1);
  await repo.recordAlertStates([{ fingerprint, status: 'firing', at: cutoff }]);
  await run(fingerprint, cutoff, 'succeeded', 'pending');
  await repo.recordAlertStates([{ fingerprint, status: 'resolved', at: new Date(cutoff.getTime() + 60_000) }]);
  const [row] = await db.query(`SELECT verify_status FROM ${executions} WHERE fingerprint = $1`, [fingerprint]);
  expect(row).toEqual({ verify_status: 'effective' });
});

it('finds the states to delete through alert_states_resolved_idx, not by reading the whole table', async () => {
  const plan = await db.transaction(async (manager) => {
    await manager.query('SET LOCAL enable_seqscan = off');
    const rows = await manager.query(`EXPLAIN ${pruneStatement(alertStates, executions).replace(/\$1/g, 'now()').replace('$2', '1000')}`);
    return (rows as Array<{ 'QUERY PLAN': string }>).map((row) => row['QUERY PLAN']).join('\n');
  });
  expect(plan).toContain('alert_states_resolved_idx');
});

it("checks each candidate's runs as a subplan of its own, so a state resolved anew while the prune runs is judged as it is now", async () => {
  const rows = await db.query(`EXPLAIN ${pruneStatement(alertStates, executions).replace(/\$1/g, 'now()').replace('$2', '1000')}`);
  const plan = (rows as Array<{ 'QUERY PLAN': string }>).map((row) => row['QUERY PLAN']).join('\n');
  expect(plan).toContain('SubPlan');
  expect(plan).not.toContain('Anti Join');
});
