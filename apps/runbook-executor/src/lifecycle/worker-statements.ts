import { AttemptRecord } from '../engine/engine.types';

/**
 * The worker's two hot statements, kept apart from the repository that runs them. Parameters of the
 * claim: $1 now, $2 worker id, $3 lease seconds, $4 global limit, $5 how many to take.
 */
export function claimStatement(table: string): string {
  return `WITH running AS MATERIALIZED (SELECT runbook_id, concurrency_key FROM ${table} WHERE status = 'running'),
   expired AS (
     SELECT e.id, e.created_at FROM ${table} e WHERE e.status = 'running' AND e.lease_until < $1
      ORDER BY e.created_at LIMIT $5 FOR UPDATE SKIP LOCKED),
   queued AS (
     SELECT e.id, e.created_at, e.runbook_id, e.concurrency_key, e.concurrency_limit, e.runbook_limit FROM ${table} e
      WHERE e.status = 'queued' AND e.not_before <= $1
        AND (e.concurrency_limit IS NULL OR (SELECT count(*) FROM running r
               WHERE r.runbook_id = e.runbook_id AND r.concurrency_key IS NOT DISTINCT FROM e.concurrency_key) < e.concurrency_limit)
        AND (e.runbook_limit IS NULL OR (SELECT count(*) FROM running r WHERE r.runbook_id = e.runbook_id) < e.runbook_limit)
      ORDER BY e.created_at LIMIT $5 FOR UPDATE SKIP LOCKED),
   by_key AS (
     SELECT q.*, row_number() OVER (PARTITION BY q.runbook_id, q.concurrency_key ORDER BY q.created_at, q.id) AS n FROM queued q),
   key_fits AS (
     SELECT k.* FROM by_key k WHERE k.concurrency_limit IS NULL OR k.n + (SELECT count(*) FROM running r
       WHERE r.runbook_id = k.runbook_id AND r.concurrency_key IS NOT DISTINCT FROM k.concurrency_key) <= k.concurrency_limit),
   by_runbook AS (
     SELECT k.id, k.created_at, k.runbook_id, k.runbook_limit, row_number() OVER (PARTITION BY k.runbook_id ORDER BY k.created_at, k.id) AS n FROM key_fits k),
   runbook_fits AS (
     SELECT b.id, b.created_at FROM by_runbook b WHERE b.runbook_limit IS NULL
         OR b.n + (SELECT count(*) FROM running r WHERE r.runbook_id = b.runbook_id) <= b.runbook_limit),
   admitted AS (
     SELECT f.id, f.created_at FROM (SELECT f.*, row_number() OVER (ORDER BY f.created_at, f.id) AS n FROM runbook_fits f) f
      WHERE f.n + (SELECT count(*) FROM running) <= $4),
   picked AS (
     SELECT id, prev_status FROM (
       SELECT id, 'running' AS prev_status, 0 AS recovery_last, created_at FROM expired
       UNION ALL SELECT id, 'queued', 1, created_at FROM admitted) c
      ORDER BY recovery_last, created_at LIMIT $5)
   UPDATE ${table} e SET status = 'running', lease_owner = $2, lease_until = $1::timestamptz + make_interval(secs => $3),
          started_at = coalesce(e.started_at, $1), claims = e.claims + 1
     FROM picked WHERE e.id = picked.id
   RETURNING e.*, picked.prev_status`;
}

/** $1 execution id, $2 worker id, $3 state, $4… the attempt columns as arrays (attemptColumns). */
export function stateWithAttemptsStatement(table: string, attemptsTable: string): string {
  return `WITH saved AS (
     UPDATE ${table} SET state = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING id),
   written AS (
     INSERT INTO ${attemptsTable} AS t (execution_id, step_id, step_type, attempt, rollback, status, started_at, finished_at, output_excerpt, error, refused)
     SELECT saved.id, a.step_id, a.step_type, a.attempt, a.rollback, a.status, a.started_at, a.finished_at, a.output_excerpt, a.error, a.refused
       FROM saved, unnest($4::text[], $5::text[], $6::int[], $7::boolean[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[], $13::boolean[])
            WITH ORDINALITY AS a(step_id, step_type, attempt, rollback, status, started_at, finished_at, output_excerpt, error, refused, ord)
      ORDER BY a.ord
     ON CONFLICT (execution_id, step_id, attempt, rollback) DO UPDATE SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at,
       output_excerpt = coalesce(EXCLUDED.output_excerpt, t.output_excerpt), error = EXCLUDED.error, refused = EXCLUDED.refused)
   SELECT id FROM saved`;
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
