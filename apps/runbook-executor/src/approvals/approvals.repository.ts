import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Severity } from '@firebreak/contracts';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import type { ExecutorConfig } from '../service';

export type ApprovalDecision = 'approved' | 'rejected' | 'expired' | 'cancelled';

export interface ApprovalRow {
  id: string;
  execution_id: string;
  step_id: string;
  runbook_id: string;
  severity: Severity;
  summary: string;
  status: 'pending' | ApprovalDecision;
  requested_at: Date;
  expires_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  note: string | null;
}

@Injectable()
export class ApprovalsRepository {
  private readonly table: string;
  private readonly executions: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: ExecutorConfig,
  ) {
    this.table = table(config.dbSchema, 'approvals');
    this.executions = table(config.dbSchema, 'executions');
  }

  async insert(manager: EntityManager, a: Omit<ApprovalRow, 'status' | 'decided_by' | 'decided_at' | 'note'>): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.table} (id, execution_id, step_id, runbook_id, severity, summary, status, requested_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) ON CONFLICT (execution_id, step_id) DO NOTHING`,
      [a.id, a.execution_id, a.step_id, a.runbook_id, a.severity, a.summary, a.requested_at, a.expires_at],
    );
  }

  async statusFor(executionId: string, stepId: string): Promise<ApprovalRow['status'] | undefined> {
    const rows: Array<{ status: ApprovalRow['status'] }> = await this.dataSource.query(
      `SELECT status FROM ${this.table} WHERE execution_id = $1 AND step_id = $2`,
      [executionId, stepId],
    );
    return rows[0]?.status;
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<ApprovalRow | undefined> {
    return rowsOf<ApprovalRow>(await manager.query(`SELECT * FROM ${this.table} WHERE id = $1`, [id]))[0];
  }

  async lock(manager: EntityManager, id: string): Promise<ApprovalRow | undefined> {
    return rowsOf<ApprovalRow>(await manager.query(`SELECT * FROM ${this.table} WHERE id = $1 FOR UPDATE`, [id]))[0];
  }

  async decide(
    manager: EntityManager,
    id: string,
    status: ApprovalDecision,
    by: string | null,
    note: string | null,
    at: Date,
  ): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET status = $2, decided_by = $3, note = $4, decided_at = $5 WHERE id = $1`, [
      id,
      status,
      by,
      note,
      at,
    ]);
  }

  async cancelPending(manager: EntityManager, executionId: string, at: Date): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET status = 'cancelled', decided_at = $2 WHERE execution_id = $1 AND status = 'pending'`, [
      executionId,
      at,
    ]);
  }

  async hasPending(manager: EntityManager, executionId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM ${this.table} WHERE execution_id = $1 AND status = 'pending' LIMIT 1`, [
      executionId,
    ]);
    return rows.length > 0;
  }

  /** Expired approvals, claimed so one replica handles each. */
  async claimDue(manager: EntityManager, now: Date, limit: number): Promise<ApprovalRow[]> {
    return manager.query(
      `SELECT * FROM ${this.table} WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
  }

  async list(filter: { status?: string; executionId?: string; limit: number }): Promise<ApprovalRow[]> {
    return this.dataSource.query(
      `SELECT * FROM ${this.table} WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR execution_id = $2) ORDER BY requested_at DESC LIMIT $3`,
      [filter.status ?? null, filter.executionId ?? null, filter.limit],
    );
  }

  /** Executions waiting for an approval that is no longer pending (decided during a hand-back) become runnable again. */
  async requeueOrphaned(): Promise<number> {
    const result = await this.dataSource.query(
      `UPDATE ${this.executions} e SET status = 'queued' WHERE e.status = 'waiting_approval'
          AND NOT EXISTS (SELECT 1 FROM ${this.table} a WHERE a.execution_id = e.id AND a.status = 'pending') RETURNING id`,
    );
    return rowsOf(result).length;
  }

  async countPending(): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS n FROM ${this.table} WHERE status = 'pending'`);
    return (row as { n: number }).n;
  }
}
