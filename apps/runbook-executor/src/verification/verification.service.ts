import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';
import { EventOf } from '@firebreak/contracts';
import { asPostgresOutage, Batcher, PermanentError, Transaction, TransactionalMessaging } from '@firebreak/bus';
import { Clock, CLOCK, LOGGER } from '@firebreak/platform';
import { formatDuration } from '../common/duration';
import { rollbackQueue } from '../engine/rollback';
import { ExecutionFinalizer, Finalized, VerificationWindow } from '../lifecycle/execution-finalizer';
import { ExecutionRow, ExecutionStatus } from '../lifecycle/execution.types';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import { WorkerSignals } from '../lifecycle/worker-signals';
import { AlertStateRecord, VerificationRepository } from './verification.repository';

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
    private readonly repo: VerificationRepository,
    private readonly executions: ExecutionsRepository,
    private readonly finalizer: ExecutionFinalizer,
    private readonly worker: WorkerSignals,
  ) {}

  // Keyed by alert so no two batches in flight write one alert's row; its changes share a batch (the statement
  // keeps the newest), so a burst of one alert costs one statement.
  private readonly alertStates = new Batcher<AlertStateRecord, void>((batch) => this.recordAlertStates(batch), {
    maxSize: 256,
    // Each statement holds a pooled connection while it runs; the worker's runs need the others.
    maxInFlight: 2,
    key: (change) => change.fingerprint,
    alone: () => false,
  });

  private async recordAlertStates(batch: AlertStateRecord[]): Promise<void[]> {
    try {
      await this.repo.recordAlertStates(batch);
    } catch (error) {
      // As TransactionalMessaging does: Postgres away is an outage to wait out. Counted as the change's failure, a
      // minute's outage would dead-letter its resolutions, and their runs be rolled back and paged as ineffective.
      throw asPostgresOutage(error);
    }
    return batch.map(() => undefined);
  }

  /**
   * Records one alert state change with the others submitted in the same turn (see recordAlertStates), settling
   * once its statement committed. A change whose time is no time is refused alone (zod lets none through today).
   */
  onAlertState(event: EventOf<'alerts.state.changed'>): Promise<void> {
    const { fingerprint, to } = event.data;
    const at = new Date(event.data.at);
    if (Number.isNaN(at.getTime())) return Promise.reject(new PermanentError(`alert state change ${event.id}: "at" is no time`));
    return this.alertStates.submit({ fingerprint, status: to, at });
  }

  /** The window a run ending now as `status` opens: only a succeeded live run for an alert, of a runbook with `verify`. */
  async windowFor(manager: EntityManager, row: ExecutionRow, status: ExecutionStatus, at: Date): Promise<VerificationWindow | undefined> {
    const window = row.definition?.verify?.resolvedWithin;
    if (status !== 'succeeded' || !window || row.trigger !== 'alert' || row.mode !== 'live' || !row.fingerprint) return undefined;
    const resolved = await this.repo.resolvedSince(manager, row.fingerprint, row.created_at);
    return { dueAt: new Date(at.getTime() + window), status: resolved ? 'effective' : 'pending' };
  }

  async sweepDue(limit = 20): Promise<number> {
    const now = this.clock.now();
    let handled = 0;
    for (let i = 0; i < limit; i++) {
      const result = await this.messaging.run(async (tx) => {
        const row = await this.repo.claimDue(tx.manager, now);
        if (!row) return null;
        if (row.fingerprint && (await this.repo.resolvedSince(tx.manager, row.fingerprint, row.created_at))) {
          await this.repo.setStatus(tx.manager, row.id, 'effective');
          return undefined;
        }
        return this.ineffective(tx, row, now);
      });
      if (result === null) break;
      handled++;
      if (result) this.finalizer.observe(result);
    }
    return handled;
  }

  private async ineffective(tx: Transaction, row: ExecutionRow, now: Date): Promise<Finalized | undefined> {
    const window = row.definition?.verify?.resolvedWithin ?? 0;
    const reason = `automation ran and did not help: the alert was still firing ${formatDuration(window)} after the run succeeded`;
    this.logger.warn({ executionId: row.id, runbookId: row.runbook_id, fingerprint: row.fingerprint }, reason);
    await this.repo.setStatus(tx.manager, row.id, 'ineffective');
    const queue = row.definition ? rollbackQueue(row.definition, row.state.completed ?? []) : [];
    if (queue.length === 0) return this.finalizer.finalize(tx, row, { status: 'ineffective', reason, escalate: true }, now);
    const state = { ...row.state, rollback: { queue, failed: [], outcome: { status: 'ineffective' as const, reason, escalate: true } } };
    await this.executions.setStatus(tx.manager, row.id, 'queued', { state });
    this.worker.kick();
    return undefined;
  }
}
