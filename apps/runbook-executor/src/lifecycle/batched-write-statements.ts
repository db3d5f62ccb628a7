import { AttemptRecord } from '../engine/engine.types';
import type { FinalWrite } from './execution-records';
import { attemptColumns } from './worker-statements';

/** What one run's write in a batch carries besides its own columns, the JSON already encoded. */
interface BatchedWrite {
  id: string;
  workerId: string;
  attempts: AttemptRecord[];
  /** The outbox rows' JSON objects ({id, subject, event, trace_headers}), without the surrounding array. */
  outbox: string[];
  /** Ids of outbox rows published after earlier writes: deleted whatever the lease. */
  deletes: readonly string[];
}

/** One run's step write (leasedStepStatement's parameters). */
export interface StepWriteRow extends BatchedWrite {
  /** The engine state's JSON. */
  state: string;
}

/** One run's closing write (finishStatement's parameters). */
export interface FinishWriteRow extends BatchedWrite {
  /** The engine state's JSON, or null to keep the state written before. */
  state: string | null;
  final: FinalWrite;
}

/**
 * The parts both batched writes share, for the runs `guard` returned (the runs whose worker holds the lease): their
 * attempts ($2…$12, one array per column, the execution's id first), their outbox rows ($13, each with its
 * execution_id) and the delete of every published row of $14, whatever the leases.
 */
function leasedParts(attemptsTable: string, outboxTable: string, guard: string): string {
  return `written AS (
     INSERT INTO ${attemptsTable} AS t (execution_id, step_id, step_type, attempt, rollback, status, started_at, finished_at, output_excerpt, error, refused)
     SELECT a.execution_id, a.step_id, a.step_type, a.attempt, a.rollback, a.status, a.started_at, a.finished_at, a.output_excerpt, a.error, a.refused
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::int[], $6::boolean[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::text[], $11::text[], $12::boolean[])
            WITH ORDINALITY AS a(execution_id, step_id, step_type, attempt, rollback, status, started_at, finished_at, output_excerpt, error, refused, ord)
      WHERE a.execution_id IN (SELECT id FROM ${guard})
      ORDER BY a.ord
     ON CONFLICT (execution_id, step_id, attempt, rollback) DO UPDATE SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at,
       output_excerpt = coalesce(EXCLUDED.output_excerpt, t.output_excerpt), error = EXCLUDED.error, refused = EXCLUDED.refused),
   announced AS (
     INSERT INTO ${outboxTable} (id, subject, event, trace_headers)
     SELECT o.id, o.subject, o.event, o.trace_headers
       FROM jsonb_to_recordset($13::jsonb) AS o(execution_id uuid, id text, subject text, event jsonb, trace_headers jsonb)
      WHERE o.execution_id IN (SELECT id FROM ${guard})
     ON CONFLICT (id) DO NOTHING),
   published AS (
     DELETE FROM ${outboxTable} WHERE id IN (SELECT id FROM ${outboxTable} WHERE id = ANY($14::text[]) FOR UPDATE SKIP LOCKED))`;
}

/**
 * The runs of $1 as `runs`, and `locked`: their rows locked in id order. Under the batcher's one slot a locked row is
 * skipped (SKIP LOCKED) and its run reported busy, to be written alone, waiting for the lock, outside the slot: one
 * row locked elsewhere (an operator's session, a takeover's transaction) then holds up its own run only, not every run
 * of the process. The waiting variant locks its one row.
 */
/** The runs `locked` skipped whose row exists (locked elsewhere), as (id, busy): a run without a row is not busy, only not written. */
function busyRuns(table: string): string {
  return `SELECT r.id, true AS busy FROM runs r WHERE r.id NOT IN (SELECT id FROM locked) AND EXISTS (SELECT 1 FROM ${table} e WHERE e.id = r.id)`;
}

function lockedRuns(table: string, columns: string, waitForLocks: boolean): string {
  return `runs AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${columns})),
   locked AS (SELECT e.id FROM ${table} e WHERE e.id IN (SELECT id FROM runs) ORDER BY e.id FOR UPDATE${waitForLocks ? '' : ' SKIP LOCKED'})`;
}

/**
 * leasedStepStatement for the step writes of several runs at once (WriteBatches): each run's state, attempts and
 * outbox rows are written only where its own worker holds its lease. One statement, one commit: Postgres parses,
 * plans and flushes the WAL once for the batch instead of once a run. $1 the runs ({id, worker, state}), $2…$14 as
 * leasedParts. Answers the ids written (busy false) and, without `waitForLocks`, the runs skipped as locked (busy).
 */
export function batchedStepStatement(table: string, attemptsTable: string, outboxTable: string, waitForLocks = false): string {
  return `WITH ${lockedRuns(table, 'id uuid, worker text, state jsonb', waitForLocks)},
   saved AS (
     UPDATE ${table} e SET state = r.state FROM runs r
      WHERE e.id = r.id AND e.id IN (SELECT id FROM locked) AND e.lease_owner = r.worker AND e.status = 'running' RETURNING e.id),
   ${leasedParts(attemptsTable, outboxTable, 'saved')}
   SELECT id, false AS busy FROM saved UNION ALL ${busyRuns(table)}`;
}

/**
 * finishStatement (alone) for the closing writes of several runs at once: each run's end, state (when given),
 * attempts, outbox rows and its pending approvals cancelled, only where its worker holds its lease. $1 the runs ({id,
 * worker, state?, status, reason, escalate, finished_at, verify_due_at?, verify_status?}), $2…$14 as leasedParts.
 * Answers each run ended with its latest cancel request's author (the row lock serialises it with a cancel request),
 * and the busy runs as batchedStepStatement does.
 */
export function batchedFinishStatement(
  table: string,
  attemptsTable: string,
  approvalsTable: string,
  outboxTable: string,
  waitForLocks = false,
): string {
  const columns = `id uuid, worker text, state jsonb, status text, reason text, escalate boolean, finished_at timestamptz,
              verify_due_at timestamptz, verify_status text`;
  return `WITH ${lockedRuns(table, columns, waitForLocks)},
   finished AS (
     UPDATE ${table} e SET state = coalesce(r.state, e.state), status = r.status, status_reason = r.reason, escalate = r.escalate,
            finished_at = r.finished_at, lease_owner = NULL, lease_until = NULL,
            verify_due_at = coalesce(r.verify_due_at, e.verify_due_at), verify_status = coalesce(r.verify_status, e.verify_status)
       FROM runs r
      WHERE e.id = r.id AND e.id IN (SELECT id FROM locked) AND e.lease_owner = r.worker AND e.status = 'running'
      RETURNING e.id, e.cancel_requested_by, r.finished_at),
   cancelled AS (
     UPDATE ${approvalsTable} a SET status = 'cancelled', decided_at = f.finished_at FROM finished f WHERE a.execution_id = f.id AND a.status = 'pending'),
   ${leasedParts(attemptsTable, outboxTable, 'finished')}
   SELECT id, false AS busy, cancel_requested_by FROM finished UNION ALL SELECT id, true, NULL FROM (${busyRuns(table)}) b`;
}

/** $1…$14 of batchedStepStatement. */
export function batchedStepParameters(writes: readonly StepWriteRow[]): unknown[] {
  return parameters(writes, (w) => `,"state":${w.state}`);
}

/** $1…$14 of batchedFinishStatement. */
export function batchedFinishParameters(writes: readonly FinishWriteRow[]): unknown[] {
  return parameters(writes, ({ state, final }) => {
    // A key left out is NULL: the state, verify_due_at and verify_status written before stay.
    const own = { status: final.status, reason: final.reason, escalate: final.escalate, finished_at: final.at };
    const verify = { verify_due_at: final.verifyDueAt ?? undefined, verify_status: final.verifyStatus ?? undefined };
    return `${state === null ? '' : `,"state":${state}`},${JSON.stringify({ ...own, ...verify }).slice(1, -1)}`;
  });
}

function parameters<W extends BatchedWrite>(writes: readonly W[], columns: (write: W) => string): unknown[] {
  const runs = writes.map((w) => `{"id":${JSON.stringify(w.id)},"worker":${JSON.stringify(w.workerId)}${columns(w)}}`);
  const attempts: unknown[][] = Array.from({ length: 11 }, () => []);
  const outbox: string[] = [];
  const deletes: string[] = [];
  for (const w of writes) {
    const own = attemptColumns(w.attempts);
    for (let row = 0; row < own[0].length; row++) {
      attempts[0].push(w.id);
      for (let column = 0; column < own.length; column++) attempts[column + 1].push(own[column][row]);
    }
    const execution = JSON.stringify(w.id);
    for (const row of w.outbox) outbox.push(`{"execution_id":${execution},${row.slice(1)}`);
    deletes.push(...w.deletes);
  }
  return [`[${runs.join(',')}]`, ...attempts, `[${outbox.join(',')}]`, deletes];
}
