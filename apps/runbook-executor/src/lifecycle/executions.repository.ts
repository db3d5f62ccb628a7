import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { AttemptRecord, EngineState } from '../engine/engine.types';
import type { ExecutorConfig } from '../service';
import { breakerFailuresCount, gateReadsStatement, lockKeysStatement } from './gate-statements';
import { attemptColumns, claimStatement, finishParameters, finishStatement, stateWithAttemptsStatement } from './worker-statements';
import { AttemptRow, BREAKER_FAILURES, ClaimedRow, ExecutionRow, ExecutionStatus, NewExecution } from './execution.types';
import { queryPrepared } from './prepared-query';
import { claimInOneMessage } from './one-message-claim';
import { EncodedExecution, ExecutionFilter, executionJson, FinalWrite, GateRead } from './execution-records';

export { executionJson } from './execution-records';
export type { EncodedExecution, ExecutionFilter, FinalWrite, GateRead } from './execution-records';

/** The executions table and its step attempts. Every write by a worker is guarded by its lease. */
@Injectable()
export class ExecutionsRepository {
  private readonly table: string;
  private readonly attemptsTable: string;
  private readonly stateTable: string;
  private readonly approvalsTable: string;
  private readonly outboxTable: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: ExecutorConfig,
  ) {
    this.table = table(config.dbSchema, 'executions');
    this.attemptsTable = table(config.dbSchema, 'step_attempts');
    this.stateTable = table(config.dbSchema, 'automation_state');
    this.approvalsTable = table(config.dbSchema, 'approvals');
    this.outboxTable = table(config.dbSchema, 'outbox');
  }

  async insert(manager: EntityManager, e: NewExecution): Promise<boolean> {
    const { status, statusReason, escalate, ...columns } = e;
    return (await this.insertMany(manager, [{ json: executionJson(columns), status, statusReason, escalate }])).size > 0;
  }

  /**
   * Many new executions in one statement; answers the ids inserted (a request id recorded before is
   * left alone). Rows go in in request-id order, so two batches sharing request ids wait, never deadlock.
   */
  /** Which of `requestIds` are recorded already (a request asked for again under another event id). */
  async recordedRequestIds(manager: EntityManager, requestIds: readonly string[]): Promise<Set<string>> {
    if (requestIds.length === 0) return new Set();
    const rows = await manager.query(`SELECT request_id FROM ${this.table} WHERE request_id = ANY($1)`, [requestIds]);
    return new Set(rowsOf<{ request_id: string }>(rows).map((row) => row.request_id));
  }

  async insertMany(manager: EntityManager, rows: EncodedExecution[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    // The decision joins the columns encoded before the transaction: the object's closing brace makes room for it.
    const encoded = rows.map(
      (row) =>
        `${row.json.slice(0, -1)},${JSON.stringify({ status: row.status, status_reason: row.statusReason ?? null, escalate: row.escalate }).slice(1)}`,
    );
    const result = await manager.query(
      `INSERT INTO ${this.table} (id, request_id, runbook_id, definition, mode, trigger, fingerprint, severity, concurrency_key, concurrency_limit,
         runbook_limit, context, params, requested_by, reason, status, status_reason, escalate, created_at, not_before, finished_at, drill_target_ms,
         runbook_source, runbook_version)
       SELECT id, request_id, runbook_id, definition, mode, trigger, fingerprint, severity, concurrency_key, concurrency_limit,
         runbook_limit, context, params, requested_by, reason, status, status_reason, escalate, created_at, created_at,
         CASE WHEN status = 'skipped' THEN created_at END, drill_target_ms, runbook_source, runbook_version
         FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, request_id text, runbook_id text, definition jsonb, mode text, trigger text,
           fingerprint text, severity text, concurrency_key text, concurrency_limit integer, runbook_limit integer, context jsonb, params jsonb,
           requested_by text, reason text, status text, status_reason text, escalate boolean, created_at timestamptz, drill_target_ms integer,
           runbook_source text, runbook_version integer)
        ORDER BY request_id COLLATE "C"
       ON CONFLICT (request_id) DO NOTHING RETURNING id`,
      [`[${encoded.join(',')}]`],
    );
    return new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
  }

  /**
   * Takes up to `max` runnable executions, oldest first: those whose worker's lease expired (crash
   * recovery) before queued ones that fit the global, per-runbook and per-key limits. Claims are
   * serialised by an advisory lock so replicas count running executions consistently; rows are
   * taken with FOR UPDATE SKIP LOCKED. Within one claim, queued rows are admitted in order so the
   * ones admitted together fit the limits as well: ranked within their key, then their runbook,
   * then overall, each count added to what already runs, before the cut to `max`. `running`: the
   * executions this worker runs now, never recovered from it even when their lease ran out (see
   * claimStatement). Its own implicit transaction, on a pooled connection: not for a caller's transaction.
   */
  async claim(
    workerId: string,
    now: Date,
    leaseMs: number,
    globalLimit: number,
    max: number,
    running: string[] = [],
  ): Promise<ClaimedRow[]> {
    // Lock and claim in one message (claimInOneMessage): the BEGIN and COMMIT around them were two more round trips.
    const rows = await claimInOneMessage<ClaimedRow>(
      this.dataSource,
      `${this.table}:claim`,
      { name: 'executor_claim', text: claimStatement(this.table), types: ['timestamptz', 'text', 'float8', 'int', 'int', 'uuid[]'] },
      [now, workerId, leaseMs / 1000, globalLimit, max, running],
    );
    // Recovered first, then oldest first, as the worker starts them.
    return rows.sort(
      (a, b) =>
        Number(a.prev_status !== 'running') - Number(b.prev_status !== 'running') || a.created_at.getTime() - b.created_at.getTime(),
    );
  }

  /** Extends the lease; answers undefined when another worker took the execution over. */
  async renewLease(
    id: string,
    workerId: string,
    now: Date,
    leaseMs: number,
  ): Promise<Pick<ExecutionRow, 'cancel_requested_at' | 'cancel_requested_by' | 'cancel_reason'> | undefined> {
    const result = await this.dataSource.query(
      `UPDATE ${this.table} SET lease_until = $3::timestamptz + make_interval(secs => $4)
        WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING cancel_requested_at, cancel_requested_by, cancel_reason`,
      [id, workerId, now, leaseMs / 1000],
    );
    return rowsOf<Pick<ExecutionRow, 'cancel_requested_at' | 'cancel_requested_by' | 'cancel_reason'>>(result)[0];
  }

  async saveState(manager: EntityManager, id: string, workerId: string, state: EngineState): Promise<boolean> {
    const result = await manager.query(
      `UPDATE ${this.table} SET state = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING id`,
      [id, workerId, JSON.stringify(state)],
    );
    return rowsOf(result).length > 0;
  }

  /**
   * The state and attempts of one write, in one statement: nothing is written unless this worker
   * still holds the lease (answers false then). Attempts are inserted in the order given.
   */
  async saveStateWithAttempts(
    manager: EntityManager,
    id: string,
    workerId: string,
    state: EngineState,
    attempts: AttemptRecord[],
  ): Promise<boolean> {
    if (attempts.length === 0) return this.saveState(manager, id, workerId, state);
    // Prepared (see queryPrepared), as the claim: it runs for every step, and planning it took longer than running it.
    const rows = await queryPrepared(manager, 'executor_state', stateWithAttemptsStatement(this.table, this.attemptsTable), [
      id,
      workerId,
      JSON.stringify(state),
      ...attemptColumns(attempts),
    ]);
    return rows.length > 0;
  }

  async lock(manager: EntityManager, id: string): Promise<ExecutionRow | undefined> {
    return rowsOf<ExecutionRow>(await manager.query(`SELECT * FROM ${this.table} WHERE id = $1 FOR UPDATE`, [id]))[0];
  }

  async setStatus(manager: EntityManager, id: string, status: ExecutionStatus, fields: { state?: EngineState } = {}): Promise<void> {
    await manager.query(
      `UPDATE ${this.table} SET status = $2, lease_owner = NULL, lease_until = NULL, state = coalesce($3::jsonb, state) WHERE id = $1`,
      [id, status, fields.state ? JSON.stringify(fields.state) : null],
    );
  }

  async finalize(manager: EntityManager, id: string, f: FinalWrite): Promise<void> {
    await manager.query(
      `UPDATE ${this.table} SET status = $2, status_reason = $3, escalate = $4, finished_at = $5, lease_owner = NULL, lease_until = NULL,
              verify_due_at = coalesce($6, verify_due_at), verify_status = coalesce($7, verify_status) WHERE id = $1`,
      [id, f.status, f.reason, f.escalate, f.at, f.verifyDueAt ?? null, f.verifyStatus ?? null],
    );
  }

  /**
   * A worker's closing write of a run that ended, in one statement (see finishStatement): answers the
   * latest cancel request's author, or undefined when this worker no longer holds the lease (then
   * nothing was written). `state` null: the state stays as the last write left it. `published`: outbox
   * rows the run's step writes published, deleted with it (whatever the lease).
   */
  async finishLeased(
    manager: EntityManager,
    id: string,
    workerId: string,
    closing: { state: EngineState | null; attempts: AttemptRecord[]; published?: readonly string[] },
    f: FinalWrite,
  ): Promise<{ cancel_requested_by: string | null } | undefined> {
    const rows = await queryPrepared<{ cancel_requested_by: string | null }>(
      manager,
      'executor_finish',
      finishStatement(this.table, this.attemptsTable, this.approvalsTable, this.outboxTable),
      finishParameters(id, workerId, closing, f),
    );
    return rows[0];
  }

  async requestCancel(manager: EntityManager, id: string, by: string, reason: string, at: Date): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET cancel_requested_at = $2, cancel_requested_by = $3, cancel_reason = $4 WHERE id = $1`, [
      id,
      at,
      by,
      reason,
    ]);
  }

  async get(id: string): Promise<ExecutionRow | undefined> {
    return rowsOf<ExecutionRow>(await this.dataSource.query(`SELECT * FROM ${this.table} WHERE id = $1`, [id]))[0];
  }

  async attempts(id: string): Promise<AttemptRow[]> {
    return this.dataSource.query(`SELECT * FROM ${this.attemptsTable} WHERE execution_id = $1 ORDER BY id`, [id]);
  }

  async list(filter: ExecutionFilter): Promise<ExecutionRow[]> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (filter.status) add('status = ?', filter.status);
    if (filter.runbook) add('runbook_id = ?', filter.runbook);
    if (filter.fingerprint) add('fingerprint = ?', filter.fingerprint);
    if (filter.mode) add('mode = ?', filter.mode);
    if (filter.before) {
      values.push(filter.before.createdAt, filter.before.id);
      where.push(`(created_at, id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`);
    }
    values.push(filter.limit);
    return this.dataSource.query(
      `SELECT * FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${values.length}`,
      values,
    );
  }

  /** Failures of live runs in the window that count towards the breaker (see breakerFailuresCount). */
  async breakerFailures(manager: EntityManager, runbookId: string, since: Date): Promise<number> {
    const [row] = await manager.query(`SELECT ${breakerFailuresCount(this.table, this.attemptsTable, '$1', '$3', '$2')} AS n`, [
      runbookId,
      BREAKER_FAILURES,
      since,
    ]);
    return (row as { n: number }).n;
  }

  /** Locks creation decisions for these `runbook:key`s across replicas until the transaction ends. */
  async lockKeys(manager: EntityManager, keys: Array<{ runbookId: string; key: string }>): Promise<void> {
    if (keys.length) await manager.query(lockKeysStatement, [keys.map(({ runbookId, key }) => `${this.table}:${runbookId}:${key}`)]);
  }

  /** The kill switch, breaker failures per runbook and automatic runs per key, in one statement (see gateReadsStatement). */
  async gateReads(
    manager: EntityManager,
    breakers: Array<{ runbookId: string; since: Date }>,
    loops: Array<{ runbookId: string; key: string; since: Date }>,
  ): Promise<GateRead[]> {
    return rowsOf<GateRead>(
      await manager.query(gateReadsStatement(this.table, this.attemptsTable, this.stateTable), [
        breakers.map((b) => b.runbookId),
        breakers.map((b) => b.since),
        loops.map((l) => l.runbookId),
        loops.map((l) => l.key),
        loops.map((l) => l.since),
        BREAKER_FAILURES,
      ]),
    );
  }

  /** Automatic runs that no worker has started yet, locked for the transaction (a pause skips them). */
  async lockUnstartedAutomatic(manager: EntityManager): Promise<ExecutionRow[]> {
    return rowsOf<ExecutionRow>(
      await manager.query(
        `SELECT * FROM ${this.table} WHERE status = 'queued' AND trigger = 'alert' AND claims = 0 FOR UPDATE SKIP LOCKED`,
      ),
    );
  }
}
