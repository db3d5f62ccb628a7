import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { AttemptRecord, EngineState } from '../engine/engine.types';
import type { ExecutorConfig } from '../service';
import { claimStatement, stateWithAttemptsStatement, attemptColumns } from './worker-statements';
import { AttemptRow, BREAKER_FAILURES, ClaimedRow, ExecutionRow, ExecutionStatus, NewExecution, VerifyStatus } from './execution.types';

export interface ExecutionFilter {
  status?: ExecutionStatus;
  runbook?: string;
  fingerprint?: string;
  mode?: string;
  limit: number;
  before?: { createdAt: string; id: string };
}

/** The executions table and its step attempts. Every write by a worker is guarded by its lease. */
@Injectable()
export class ExecutionsRepository {
  private readonly table: string;
  private readonly attemptsTable: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: ExecutorConfig,
  ) {
    this.table = table(config.dbSchema, 'executions');
    this.attemptsTable = table(config.dbSchema, 'step_attempts');
  }

  async insert(manager: EntityManager, e: NewExecution): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO ${this.table} (id, request_id, runbook_id, definition, mode, trigger, fingerprint, severity, concurrency_key, concurrency_limit, runbook_limit,
         context, params, requested_by, reason, status, status_reason, escalate, created_at, not_before, finished_at, drill_target_ms,
         runbook_source, runbook_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, CASE WHEN $16 = 'skipped' THEN $19::timestamptz END, $20,
         $21, $22)
       ON CONFLICT (request_id) DO NOTHING RETURNING id`,
      [
        e.id,
        e.requestId,
        e.runbookId,
        e.definition ? JSON.stringify(e.definition) : null,
        e.mode,
        e.trigger,
        e.fingerprint ?? null,
        e.severity,
        e.concurrencyKey,
        e.concurrencyLimit,
        e.runbookLimit,
        JSON.stringify(e.context),
        JSON.stringify(e.params),
        e.requestedBy ?? null,
        e.reason ?? null,
        e.status,
        e.statusReason ?? null,
        e.escalate,
        e.createdAt,
        e.drillTargetMs ?? null,
        e.runbookRef?.source ?? null,
        e.runbookRef?.version ?? null,
      ],
    );
    return rows.length > 0;
  }

  /**
   * Takes up to `max` runnable executions, oldest first: those whose worker's lease expired (crash
   * recovery) before queued ones that fit the global, per-runbook and per-key limits. Claims are
   * serialised by an advisory lock so replicas count running executions consistently; rows are
   * taken with FOR UPDATE SKIP LOCKED. Within one claim, queued rows are admitted in order so the
   * ones admitted together fit the limits as well: ranked within their key, then their runbook,
   * then overall, each count added to what already runs, before the cut to `max`. `running`: the
   * executions this worker runs now, never recovered from it even when their lease ran out (see
   * claimStatement).
   */
  async claim(
    manager: EntityManager,
    workerId: string,
    now: Date,
    leaseMs: number,
    globalLimit: number,
    max: number,
    running: string[] = [],
  ): Promise<ClaimedRow[]> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.table}:claim`]);
    const result = await manager.query(claimStatement(this.table), [now, workerId, leaseMs / 1000, globalLimit, max, running]);
    // Recovered first, then oldest first, as the worker starts them.
    return rowsOf<ClaimedRow>(result).sort(
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
    const result = await manager.query(stateWithAttemptsStatement(this.table, this.attemptsTable), [
      id,
      workerId,
      JSON.stringify(state),
      ...attemptColumns(attempts),
    ]);
    return rowsOf(result).length > 0;
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

  async finalize(
    manager: EntityManager,
    id: string,
    f: { status: ExecutionStatus; reason: string; escalate: boolean; at: Date; verifyDueAt?: Date; verifyStatus?: VerifyStatus },
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.table} SET status = $2, status_reason = $3, escalate = $4, finished_at = $5, lease_owner = NULL, lease_until = NULL,
              verify_due_at = coalesce($6, verify_due_at), verify_status = coalesce($7, verify_status) WHERE id = $1`,
      [id, f.status, f.reason, f.escalate, f.at, f.verifyDueAt ?? null, f.verifyStatus ?? null],
    );
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

  /**
   * Failures of live runs in the window, counting only those after the runbook's last success. A run
   * stopped by a refusal (a forward step's attempt `refused`: a label made its URL, host, port or argv
   * unsafe) does not count: it says nothing about the runbook, and counting it would let any alert
   * sender open the breaker of a legitimate runbook with a few hostile labels. It is still escalated.
   * Nor does a run a `fail` step ended (its failed attempt is the run's last forward one): that is the
   * runbook deciding "this case is for a person" (e.g. the probe got a 4xx), which a sender can provoke
   * with labels just as well, and which is escalated, not a remediation that went wrong.
   */
  async breakerFailures(manager: EntityManager, runbookId: string, since: Date): Promise<number> {
    const [row] = await manager.query(
      `SELECT count(*)::int AS n FROM ${this.table} f
        WHERE f.runbook_id = $1 AND f.mode = 'live' AND f.status = ANY($2) AND f.finished_at > $3
          AND f.finished_at > coalesce((SELECT max(finished_at) FROM ${this.table} s WHERE s.runbook_id = $1 AND s.mode = 'live' AND s.status = 'succeeded'), '-infinity')
          AND NOT EXISTS (SELECT 1 FROM ${this.attemptsTable} a WHERE a.execution_id = f.id AND NOT a.rollback AND (a.refused
            OR (a.step_type = 'fail' AND a.status = 'failed'
                AND NOT EXISTS (SELECT 1 FROM ${this.attemptsTable} b WHERE b.execution_id = f.id AND NOT b.rollback AND b.id > a.id))))`,
      [runbookId, BREAKER_FAILURES, since],
    );
    return (row as { n: number }).n;
  }

  async recentAutomaticRuns(manager: EntityManager, runbookId: string, key: string, since: Date): Promise<number> {
    const [row] = await manager.query(
      `SELECT count(*)::int AS n FROM ${this.table} WHERE runbook_id = $1 AND trigger = 'alert' AND status <> 'skipped'
          AND coalesce(concurrency_key, fingerprint, '') = $2 AND created_at > $3`,
      [runbookId, key, since],
    );
    return (row as { n: number }).n;
  }

  /** Locks creation decisions for one runbook and key across replicas until the transaction ends. */
  async lockKey(manager: EntityManager, runbookId: string, key: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.table}:${runbookId}:${key}`]);
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
