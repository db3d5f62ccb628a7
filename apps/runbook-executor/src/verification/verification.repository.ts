import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ACTIVE_EXECUTION_STATUSES } from '@firebreak/contracts';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { ExecutionRow, VerifyStatus } from '../lifecycle/execution.types';
import type { ExecutorConfig } from '../service';

/** One alert's state as the mapper announced it. */
export interface AlertStateRecord {
  fingerprint: string;
  status: string;
  at: Date;
}

/** What verification reads and writes: alert states as the mapper announces them, and the verify columns of executions. */
@Injectable()
export class VerificationRepository {
  private readonly alertStates: string;
  private readonly executions: string;

  constructor(
    @Inject(CONFIG) config: ExecutorConfig,
    private readonly dataSource: DataSource,
  ) {
    this.alertStates = table(config.dbSchema, 'alert_states');
    this.executions = table(config.dbSchema, 'executions');
  }

  /**
   * Alert state changes, many in one statement and no transaction: each alert's newest state is kept (an older
   * change arriving late changes nothing) and a resolution newer than the alert's stored state marks effective the
   * pending verifications of runs created before it. A resolution older than the stored state (a redelivery after
   * the alert fired again, or one stamped by a clock running ahead) verifies nothing: a run that ended pending
   * because its alert fired again stays pending, as resolvedSince says. So applying a change again changes nothing,
   * and a redelivered change needs no inbox row. (The NOT EXISTS reads the table as it was before this statement.)
   *
   * Every alert's state is stored, not only those with a run: a run's row is inserted by a transaction that
   * may still be open when its alert's change arrives, and its end reads the state (resolvedSince).
   */
  async recordAlertStates(changes: readonly AlertStateRecord[]): Promise<void> {
    // One alert's row updated twice by one statement is an error: its newest change in the batch (the later one
    // on a tie, as one by one) goes in. Rows are written in fingerprint order: concurrent writers lock them in one order.
    await this.dataSource.query(
      `WITH changes AS (
         SELECT fingerprint, status, to_timestamp(at_ms / 1000.0) AS changed_at, n
           FROM unnest($1::text[], $2::text[], $3::float8[]) WITH ORDINALITY AS c(fingerprint, status, at_ms, n)
       ), stored AS (
         INSERT INTO ${this.alertStates} (fingerprint, status, changed_at)
         SELECT fingerprint, status, changed_at FROM (
           SELECT DISTINCT ON (fingerprint) fingerprint, status, changed_at FROM changes ORDER BY fingerprint, changed_at DESC, n DESC
         ) newest ORDER BY fingerprint
         ON CONFLICT (fingerprint) DO UPDATE SET status = EXCLUDED.status, changed_at = EXCLUDED.changed_at
           WHERE ${this.alertStates}.changed_at <= EXCLUDED.changed_at
       )
       UPDATE ${this.executions} e SET verify_status = 'effective'
         FROM (SELECT fingerprint, max(changed_at) AS at FROM changes WHERE status = 'resolved' GROUP BY fingerprint) resolved
         WHERE e.fingerprint = resolved.fingerprint AND e.verify_status = 'pending' AND e.created_at <= resolved.at
           AND NOT EXISTS (
             SELECT 1 FROM ${this.alertStates} s WHERE s.fingerprint = resolved.fingerprint AND s.changed_at > resolved.at
           )`,
      // Epoch milliseconds, not ISO text: years such as 0000 or +010000 (which the contract accepts) are not Postgres's.
      [changes.map((c) => c.fingerprint), changes.map((c) => c.status), changes.map((c) => c.at.getTime())],
    );
  }

  /**
   * Deletes up to `limit` states of alerts resolved before `before`, oldest first (alert_states_resolved_idx), and
   * answers how many. Verification reads a state only for a run created at or before it (resolvedSince): a run of the
   * alert that has not ended, or whose verification is pending, keeps it (executions_fingerprint_idx). A firing
   * alert's state stays. Rows a concurrent change holds are skipped, and one it changed is checked again as it is now.
   */
  async pruneAlertStates(before: Date, limit: number): Promise<number> {
    const [, deleted] = (await this.dataSource.query(pruneStatement(this.alertStates, this.executions), [before, limit])) as [
      unknown,
      number,
    ];
    return deleted;
  }

  async resolvedSince(manager: EntityManager, fingerprint: string, since: Date): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM ${this.alertStates} WHERE fingerprint = $1 AND status = 'resolved' AND changed_at >= $2`,
      [fingerprint, since],
    );
    return rows.length > 0;
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

const ACTIVE_STATUSES_SQL = ACTIVE_EXECUTION_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * $1 resolved before, $2 how many at most (see pruneAlertStates). `OFFSET 0` keeps the "still needed" check a subplan
 * run for each candidate: as the anti-join Postgres would make of it, a state whose newer resolution committed while
 * the statement ran is re-checked by FOR UPDATE on its own columns only, not against the runs its new changed_at
 * covers, and was deleted under a running run (reproduced in review on Postgres 15). The rows are picked once, in a materialized CTE: as
 * `IN (SELECT … LIMIT)` the pick may run again for each row deleted and, skipping the rows this statement deleted,
 * take the next ones, past the limit.
 */
export function pruneStatement(alertStates: string, executions: string): string {
  return `WITH picked AS MATERIALIZED (
     SELECT s.fingerprint FROM ${alertStates} s
      WHERE s.status = 'resolved' AND s.changed_at < $1::timestamptz
        AND NOT EXISTS (
          SELECT 1 FROM ${executions} e
           WHERE e.fingerprint = s.fingerprint AND e.created_at <= s.changed_at
             AND (e.status IN (${ACTIVE_STATUSES_SQL}) OR e.verify_status = 'pending')
          OFFSET 0)
      ORDER BY s.changed_at LIMIT $2 FOR UPDATE SKIP LOCKED)
   DELETE FROM ${alertStates} a USING picked WHERE a.fingerprint = picked.fingerprint`;
}
