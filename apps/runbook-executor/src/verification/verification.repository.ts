import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { ExecutionRow, VerifyStatus } from '../lifecycle/execution.types';
import type { ExecutorConfig } from '../service';

/** What verification reads and writes: alert states as the mapper announces them, and the verify columns of executions. */
@Injectable()
export class VerificationRepository {
  private readonly alertStates: string;
  private readonly executions: string;

  constructor(@Inject(CONFIG) config: ExecutorConfig) {
    this.alertStates = table(config.dbSchema, 'alert_states');
    this.executions = table(config.dbSchema, 'executions');
  }

  /** Keeps the newest state; an older event arriving late changes nothing. */
  async upsertAlertState(manager: EntityManager, fingerprint: string, status: string, at: Date): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.alertStates} (fingerprint, status, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (fingerprint) DO UPDATE SET status = EXCLUDED.status, changed_at = EXCLUDED.changed_at WHERE ${this.alertStates}.changed_at <= EXCLUDED.changed_at`,
      [fingerprint, status, at],
    );
  }

  async resolvedSince(manager: EntityManager, fingerprint: string, since: Date): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM ${this.alertStates} WHERE fingerprint = $1 AND status = 'resolved' AND changed_at >= $2`,
      [fingerprint, since],
    );
    return rows.length > 0;
  }

  /** The alert resolved at `at`: runs for it created before then helped. */
  async markEffective(manager: EntityManager, fingerprint: string, at: Date): Promise<void> {
    await manager.query(
      `UPDATE ${this.executions} SET verify_status = 'effective' WHERE fingerprint = $1 AND verify_status = 'pending' AND created_at <= $2`,
      [fingerprint, at],
    );
  }

  /** The oldest verification whose window ended, claimed so one replica handles it. */
  async claimDue(manager: EntityManager, now: Date): Promise<ExecutionRow | undefined> {
    const result = await manager.query(
      `SELECT * FROM ${this.executions} WHERE verify_status = 'pending' AND verify_due_at <= $1 ORDER BY verify_due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [now],
    );
    return rowsOf<ExecutionRow>(result)[0];
  }

  async setStatus(manager: EntityManager, executionId: string, status: VerifyStatus): Promise<void> {
    await manager.query(`UPDATE ${this.executions} SET verify_status = $2 WHERE id = $1`, [executionId, status]);
  }
}
