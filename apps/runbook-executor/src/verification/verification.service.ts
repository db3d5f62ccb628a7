import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AlertStateChanged } from '@firebreak/contracts';
import { TransactionalMessaging } from '@firebreak/bus';
import { LOGGER } from '@firebreak/platform';
import { Clock, CLOCK } from '../common/clock';
import { formatDuration } from '../common/duration';
import { rowsOf } from '../common/sql-rows';
import { rollbackQueue } from '../engine/rollback';
import { ExecutionFinalizer, Finalized } from '../executions/execution-finalizer';
import { ExecutionWorker } from '../executions/execution-worker';
import { ExecutionRow } from '../executions/execution.types';
import { ExecutionsRepository } from '../executions/executions.repository';
import { AlertStatesRepository } from './alert-states.repository';

/**
 * Did the automation help? The mapper announces alert resolutions; a successful automatic run of
 * a runbook with `verify.resolvedWithin` whose alert still fires at the end of that window is
 * marked ineffective, rolled back if it can be, and escalated.
 */
@Injectable()
export class VerificationService {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly messaging: TransactionalMessaging,
    private readonly alertStates: AlertStatesRepository,
    private readonly executions: ExecutionsRepository,
    private readonly finalizer: ExecutionFinalizer,
    private readonly worker: ExecutionWorker,
  ) {}

  async onAlertState(change: AlertStateChanged, eventId: string): Promise<void> {
    const at = new Date(change.at);
    await this.messaging.run(
      async (tx) => {
        await this.alertStates.upsert(tx.manager, change.fingerprint, change.to, at);
        if (change.to !== 'resolved') return;
        await tx.manager.query(`UPDATE ${this.executions.table} SET verify_status = 'effective' WHERE fingerprint = $1 AND verify_status = 'pending' AND created_at <= $2`, [change.fingerprint, at]);
      },
      { consumer: 'runbook-executor-alerts-state', eventId },
    );
  }

  async sweepDue(limit = 20): Promise<number> {
    const now = this.clock.now();
    let handled = 0;
    for (let i = 0; i < limit; i++) {
      const result = await this.messaging.run(async (tx) => {
        const [row] = rowsOf<ExecutionRow>(
          await tx.manager.query(`SELECT * FROM ${this.executions.table} WHERE verify_status = 'pending' AND verify_due_at <= $1 ORDER BY verify_due_at LIMIT 1 FOR UPDATE SKIP LOCKED`, [now]),
        );
        if (!row) return null;
        if (row.fingerprint && (await this.alertStates.resolvedSince(tx.manager, row.fingerprint, row.created_at))) {
          await tx.manager.query(`UPDATE ${this.executions.table} SET verify_status = 'effective' WHERE id = $1`, [row.id]);
          return undefined;
        }
        return this.ineffective(tx, row, now);
      });
      if (result.duplicate || result.result === null) break;
      handled++;
      if (result.result) this.finalizer.observe(result.result);
    }
    return handled;
  }

  private async ineffective(tx: Parameters<Parameters<TransactionalMessaging['run']>[0]>[0], row: ExecutionRow, now: Date): Promise<Finalized | undefined> {
    const window = row.definition?.verify?.resolvedWithin ?? 0;
    const reason = `automation ran and did not help: the alert was still firing ${formatDuration(window)} after the run succeeded`;
    this.logger.warn({ executionId: row.id, runbookId: row.runbook_id, fingerprint: row.fingerprint }, reason);
    await tx.manager.query(`UPDATE ${this.executions.table} SET verify_status = 'ineffective' WHERE id = $1`, [row.id]);
    const queue = row.definition ? rollbackQueue(row.definition, row.state.completed ?? []) : [];
    if (queue.length === 0) return this.finalizer.finalize(tx, row, { status: 'ineffective', reason, escalate: true }, now);
    const state = { ...row.state, rollback: { queue, failed: [], outcome: { status: 'ineffective' as const, reason, escalate: true } } };
    await this.executions.setStatus(tx.manager, row.id, 'queued', { state });
    this.worker.kick();
    return undefined;
  }
}
