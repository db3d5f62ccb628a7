import { AttemptRecord, EngineState } from '../engine/engine.types';
import type { FinalWrite } from './execution-records';
import { ExecutionRow } from './execution.types';

/** Every column of ExecutionRow (the compiler keeps the list complete): the claim returns these, never `*` (see queryPrepared). */
const executionColumns: Record<keyof ExecutionRow, true> = {
  id: true,
  request_id: true,
  runbook_id: true,
  definition: true,
  runbook_source: true,
  runbook_version: true,
  mode: true,
  trigger: true,
  fingerprint: true,
  severity: true,
  concurrency_key: true,
  concurrency_limit: true,
  runbook_limit: true,
  context: true,
  params: true,
  requested_by: true,
  reason: true,
  status: true,
  status_reason: true,
  escalate: true,
  state: true,
  created_at: true,
  not_before: true,
  started_at: true,
  finished_at: true,
  lease_owner: true,
  lease_until: true,
  claims: true,
  cancel_requested_at: true,
  cancel_requested_by: true,
  cancel_reason: true,
  drill_target_ms: true,
  verify_due_at: true,
  verify_status: true,
};
const returnedColumns = Object.keys(executionColumns)
  .map((column) => `e.${column}`)
  .join(', ');

/**
 * The worker's two hot statements, kept apart from the repository that runs them. Parameters of the
 * claim: $1 now, $2 worker id, $3 lease seconds, $4 global limit, $5 how many to take, $6 the ids
 * this worker is running now.
 *
 * Queued rows without limits of their own (the common case) are read in the claim's order from
 * their own index and cut to $5 at once: no limit can leave such a row out (its rank within its key
 * or runbook is never above its overall rank), so the oldest $5 are all it can take. The rows of
 * runbooks with limited rows queued (all of that runbook's rows, so a row without limits, e.g. from
 * before the runbook got them, still counts towards the limits of the rows behind it; UNION drops it
 * when both reads found it) are ranked over their eligible set (within their key, then their
 * runbook, then overall, each count added to what already runs) and only then cut to $5: cutting
 * first would let the oldest rows of a full key fill the batch and leave runnable rows of other
 * runbooks for the next poll. Rows of a key or runbook that is full already are left out first (in a
 * storm most of the backlog waits behind a full key), and a row further than $5 down its key or
 * runbook can never be picked (its older siblings would be admitted first), so only the first
 * ranking sorts that backlog (by bytes: partitions only need equality). Both are read without locks;
 * only the rows picked are locked (SKIP LOCKED, and still in the status they were picked in), so a
 * large backlog costs one sort of the limited runbooks' rows at most, not a lock per row.
 *
 * A lease is recovered only from another worker, or from this one when it no longer runs that
 * execution: after an outage longer than the lease, a worker still running a long step would
 * otherwise take its own execution again and run it twice.
 */
export function claimStatement(table: string): string {
  return `WITH running AS MATERIALIZED (SELECT runbook_id, concurrency_key FROM ${table} WHERE status = 'running'),
   running_keys AS (SELECT runbook_id, concurrency_key, count(*) AS n FROM running GROUP BY runbook_id, concurrency_key),
   running_runbooks AS (SELECT runbook_id, count(*) AS n FROM running GROUP BY runbook_id),
   expired AS (
     SELECT e.id, e.created_at FROM ${table} e WHERE e.status = 'running' AND e.lease_until < $1
        AND NOT (e.lease_owner = $2 AND e.id = ANY($6::uuid[]))
      ORDER BY e.created_at LIMIT $5 FOR UPDATE SKIP LOCKED),
   limited_runbooks AS (
     SELECT DISTINCT runbook_id FROM ${table} WHERE status = 'queued' AND (concurrency_limit IS NOT NULL OR runbook_limit IS NOT NULL)),
   free AS (
     SELECT e.id, e.created_at FROM ${table} e
      WHERE e.status = 'queued' AND e.concurrency_limit IS NULL AND e.runbook_limit IS NULL AND e.not_before <= $1
      ORDER BY e.created_at, e.id LIMIT $5),
   eligible AS (
     SELECT e.id, e.created_at, e.runbook_id, e.concurrency_key, e.concurrency_limit, e.runbook_limit,
            coalesce(rk.n, 0) AS key_running, coalesce(rr.n, 0) AS runbook_running
       FROM ${table} e
       LEFT JOIN running_keys rk ON rk.runbook_id = e.runbook_id AND rk.concurrency_key IS NOT DISTINCT FROM e.concurrency_key
       LEFT JOIN running_runbooks rr ON rr.runbook_id = e.runbook_id
      WHERE e.status = 'queued' AND e.not_before <= $1 AND e.runbook_id IN (SELECT runbook_id FROM limited_runbooks)
        AND (e.concurrency_limit IS NULL OR coalesce(rk.n, 0) < e.concurrency_limit)
        AND (e.runbook_limit IS NULL OR coalesce(rr.n, 0) < e.runbook_limit)),
   by_key AS (
     SELECT k.id, k.created_at, k.runbook_id, k.runbook_limit, k.runbook_running FROM (
       SELECT q.*, row_number() OVER (PARTITION BY q.runbook_id COLLATE "C", q.concurrency_key COLLATE "C" ORDER BY q.created_at, q.id) AS n
         FROM eligible q) k
      WHERE k.n <= $5 AND (k.concurrency_limit IS NULL OR k.n + k.key_running <= k.concurrency_limit)),
   by_runbook AS (
     SELECT b.id, b.created_at FROM (
       SELECT k.*, row_number() OVER (PARTITION BY k.runbook_id COLLATE "C" ORDER BY k.created_at, k.id) AS n FROM by_key k) b
      WHERE b.n <= $5 AND (b.runbook_limit IS NULL OR b.n + b.runbook_running <= b.runbook_limit)),
   admitted AS (
     SELECT f.id, f.created_at FROM (
       SELECT c.id, c.created_at, row_number() OVER (ORDER BY c.created_at, c.id) AS n
         FROM (SELECT b.id, b.created_at FROM by_runbook b UNION SELECT id, created_at FROM free) c) f
      WHERE f.n + (SELECT count(*) FROM running) <= $4
      ORDER BY f.created_at, f.id LIMIT $5),
   picked AS (
     SELECT id, prev_status FROM (
       SELECT id, 'running' AS prev_status, 0 AS recovery_last, created_at FROM expired
       UNION ALL SELECT id, 'queued', 1, created_at FROM admitted) c
      ORDER BY recovery_last, created_at LIMIT $5),
   locked AS (
     SELECT e.id, p.prev_status FROM ${table} e JOIN picked p ON p.id = e.id WHERE e.status = p.prev_status FOR UPDATE OF e SKIP LOCKED)
   UPDATE ${table} e SET status = 'running', lease_owner = $2, lease_until = $1::timestamptz + make_interval(secs => $3),
          started_at = coalesce(e.started_at, $1), claims = e.claims + 1
     FROM locked WHERE e.id = locked.id
   RETURNING ${returnedColumns}, locked.prev_status`;
}

/** $1 execution id, $2 worker id, $3 state, $4… the attempt columns as arrays (attemptColumns). */
export function stateWithAttemptsStatement(table: string, attemptsTable: string): string {
  return `WITH saved AS (
     UPDATE ${table} SET state = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING id),
   written AS (${attemptsInsert(attemptsTable, 'saved')})
   SELECT id FROM saved`;
}

/** The delete of published outbox rows (`ids`), as a CTE named published. */
function publishedDelete(outboxTable: string, ids: string): string {
  return `published AS (
     DELETE FROM ${outboxTable} WHERE id IN (SELECT id FROM ${outboxTable} WHERE id = ANY(${ids}::text[]) FOR UPDATE SKIP LOCKED))`;
}

/**
 * A worker's closing write of a run that ended, in one statement: the final status (and the state,
 * when $3 is not null), the attempts the engine deferred, and the run's pending approvals cancelled,
 * all only while this worker holds the lease (no row back otherwise, and nothing written). The row
 * lock the UPDATE takes serialises it with a cancel request, so the cancel_requested_by it returns
 * is the latest. $1…$13 as stateWithAttemptsStatement; $14 status, $15 reason, $16 escalate,
 * $17 finished at, $18 verify due at, $19 verify status; $20 the ids of outbox rows the run's step
 * writes published (see batchedStepStatement), deleted whatever the lease. For a write outside any transaction
 * (LeasedStepWrites.finish), see batchedFinishStatement.
 */
export function finishStatement(table: string, attemptsTable: string, approvalsTable: string, outboxTable: string): string {
  return `WITH finished AS (
     UPDATE ${table} SET state = coalesce($3::jsonb, state), status = $14, status_reason = $15, escalate = $16, finished_at = $17,
            lease_owner = NULL, lease_until = NULL, verify_due_at = coalesce($18, verify_due_at), verify_status = coalesce($19, verify_status)
      WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING id, cancel_requested_by),
   written AS (${attemptsInsert(attemptsTable, 'finished')}),
   cancelled AS (
     UPDATE ${approvalsTable} SET status = 'cancelled', decided_at = $17 WHERE execution_id = (SELECT id FROM finished) AND status = 'pending'),
   ${publishedDelete(outboxTable, '$20')}
   SELECT cancel_requested_by FROM finished`;
}

/** $1…$20 of finishStatement. */
export function finishParameters(
  id: string,
  workerId: string,
  closing: { state: EngineState | null; attempts: AttemptRecord[]; published?: readonly string[] },
  f: FinalWrite,
): unknown[] {
  const state = closing.state ? JSON.stringify(closing.state) : null;
  const final = [f.status, f.reason, f.escalate, f.at, f.verifyDueAt ?? null, f.verifyStatus ?? null];
  return [id, workerId, state, ...attemptColumns(closing.attempts), ...final, closing.published ?? []];
}

/** Upserts the attempts of $4…$13 for the execution `guard` returned (none when it returned no row). */
function attemptsInsert(attemptsTable: string, guard: string): string {
  return `INSERT INTO ${attemptsTable} AS t (execution_id, step_id, step_type, attempt, rollback, status, started_at, finished_at, output_excerpt, error, refused)
     SELECT ${guard}.id, a.step_id, a.step_type, a.attempt, a.rollback, a.status, a.started_at, a.finished_at, a.output_excerpt, a.error, a.refused
       FROM ${guard}, unnest($4::text[], $5::text[], $6::int[], $7::boolean[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[], $13::boolean[])
            WITH ORDINALITY AS a(step_id, step_type, attempt, rollback, status, started_at, finished_at, output_excerpt, error, refused, ord)
      ORDER BY a.ord
     ON CONFLICT (execution_id, step_id, attempt, rollback) DO UPDATE SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at,
       output_excerpt = coalesce(EXCLUDED.output_excerpt, t.output_excerpt), error = EXCLUDED.error, refused = EXCLUDED.refused`;
}

/** The attempts as one array per column, in order, one per attempt key. */
export function attemptColumns(attempts: AttemptRecord[]): unknown[][] {
  const rows = lastOfEachAttempt(attempts);
  const column = <T>(pick: (a: AttemptRecord) => T) => rows.map(pick);
  return [
    column((a) => a.stepId),
    column((a) => a.stepType),
    column((a) => a.attempt),
    column((a) => a.rollback),
    column((a) => a.status),
    column((a) => a.startedAt),
    column((a) => a.finishedAt ?? null),
    column((a) => a.excerpt ?? null),
    column((a) => a.error ?? null),
    column((a) => !!a.refused),
  ];
}

/**
 * One row per attempt key, as upserting them one after another would leave it (one statement may
 * not update a row twice): the last record, keeping an earlier excerpt when the last has none.
 */
function lastOfEachAttempt(attempts: AttemptRecord[]): AttemptRecord[] {
  const byKey = new Map<string, AttemptRecord>();
  for (const a of attempts) {
    const key = `${a.stepId}\u0000${a.attempt}\u0000${a.rollback}`;
    const earlier = byKey.get(key);
    // An existing key keeps its place, as the row keeps the id its first upsert gave it.
    byKey.set(key, earlier && a.excerpt === undefined ? { ...a, excerpt: earlier.excerpt } : a);
  }
  return [...byKey.values()];
}
