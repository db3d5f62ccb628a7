import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { AttemptRecord, EngineState } from '../engine/engine.types';
import type { ExecutorConfig } from '../service';
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
   * Takes the oldest runnable execution: one whose worker's lease expired (crash recovery) first,
   * then a queued one that fits the global, per-runbook and per-key limits. Claims are serialised
   * by an advisory lock so replicas count running executions consistently; the row itself is
   * taken with FOR UPDATE SKIP LOCKED.
   */
  async claim(workerId: string, now: Date, leaseMs: number, globalLimit: number): Promise<ClaimedRow | undefined> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.table}:claim`]);
      const result = await manager.query(
        `WITH candidate AS (
           SELECT e.id, e.status AS prev_status FROM ${this.table} e
            WHERE (e.status = 'running' AND e.lease_until < $1)
               OR (e.status = 'queued' AND e.not_before <= $1
                   AND (SELECT count(*) FROM ${this.table} r WHERE r.status = 'running') < $4
                   AND (e.concurrency_limit IS NULL OR (SELECT count(*) FROM ${this.table} r WHERE r.status = 'running'
                          AND r.runbook_id = e.runbook_id AND r.concurrency_key IS NOT DISTINCT FROM e.concurrency_key) < e.concurrency_limit)
                   AND (e.runbook_limit IS NULL OR (SELECT count(*) FROM ${this.table} r WHERE r.status = 'running' AND r.runbook_id = e.runbook_id) < e.runbook_limit))
            ORDER BY (e.status = 'running') DESC, e.created_at
            LIMIT 1 FOR UPDATE SKIP LOCKED)
         UPDATE ${this.table} e SET status = 'running', lease_owner = $2, lease_until = $1::timestamptz + make_interval(secs => $3),
                started_at = coalesce(e.started_at, $1), claims = e.claims + 1
           FROM candidate WHERE e.id = candidate.id
         RETURNING e.*, candidate.prev_status`,
        [now, workerId, leaseMs / 1000, globalLimit],
      );
      return rowsOf<ClaimedRow>(result)[0];
    });
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

  async upsertAttempt(manager: EntityManager, executionId: string, a: AttemptRecord): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.attemptsTable} (execution_id, step_id, step_type, attempt, rollback, status, started_at, finished_at, output_excerpt, error, refused)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (execution_id, step_id, attempt, rollback) DO UPDATE SET status = EXCLUDED.status, finished_at = EXCLUDED.finished_at,
         output_excerpt = coalesce(EXCLUDED.output_excerpt, ${this.attemptsTable}.output_excerpt), error = EXCLUDED.error, refused = EXCLUDED.refused`,
      [
        executionId,
        a.stepId,
        a.stepType,
        a.attempt,
        a.rollback,
        a.status,
        a.startedAt,
        a.finishedAt ?? null,
        a.excerpt ?? null,
        a.error ?? null,
        !!a.refused,
      ],
    );
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
