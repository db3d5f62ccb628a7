import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Transaction, TransactionalMessaging } from '@firebreak/bus';
import { Clock, CLOCK, CONFIG, LOGGER } from '@firebreak/platform';
import { ApprovalsRepository } from '../approvals/approvals.repository';
import { ApprovalsService } from '../approvals/approvals.service';
import { ExecutorSettings, SETTINGS } from '../common/settings';
import { Engine } from '../engine/engine';
import { AttemptRecord, EngineOutcome, EngineState, FinalOutcome, initialState, LeaseLostError } from '../engine/engine.types';
import { ExecutionFinalizer } from '../lifecycle/execution-finalizer';
import { scopeFor } from '../lifecycle/execution-scope';
import { ClaimedRow } from '../lifecycle/execution.types';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import type { ExecutorConfig } from '../service';
import { SloStatesService } from '../slo-states/slo-states.service';
import { StepRunnersProvider } from '../steps/step-runners.provider';
import { VerificationService } from '../verification/verification.service';
import { DbExecutionStore } from './db-execution-store';
import { startsNow } from './execution-claims';
import { LeasedStepWrites } from './leased-step-writes';

/** What the closing transaction writes besides the outcome: the state and the attempts the engine deferred. */
interface ClosingWrite {
  store: DbExecutionStore;
  state: () => EngineState;
}

export interface RunSignals {
  cancel: AbortController;
  stop: AbortController;
}

/** Runs one claimed execution to its end, a pause for approval, or a hand-back; keeps its lease alive meanwhile. */
@Injectable()
export class ExecutionRunner {
  constructor(
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    @Inject(SETTINGS) private readonly settings: ExecutorSettings,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly messaging: TransactionalMessaging,
    private readonly repo: ExecutionsRepository,
    private readonly approvals: ApprovalsRepository,
    private readonly approvalRequests: ApprovalsService,
    private readonly verification: VerificationService,
    private readonly finalizer: ExecutionFinalizer,
    private readonly steps: StepRunnersProvider,
    private readonly sloStates: SloStatesService,
    private readonly stepWrites: LeasedStepWrites,
    private readonly dataSource: DataSource,
  ) {}

  async run(row: ClaimedRow, workerId: string, signals: RunSignals): Promise<void> {
    const log = this.logger.child({ executionId: row.id, runbookId: row.runbook_id, fingerprint: row.fingerprint });
    if (row.cancel_requested_at) signals.cancel.abort(`${row.cancel_reason ?? 'cancelled'} (by ${row.cancel_requested_by ?? 'unknown'})`);
    const heartbeat = setInterval(() => void this.heartbeat(row, workerId, signals, log), this.retryIntervalMs());
    let closing: ClosingWrite | undefined;
    try {
      if (row.prev_status === 'running') log.warn({ claims: row.claims }, 'resuming an execution whose worker stopped');
      const store = this.storeFor(row, workerId);
      // Set before the engine is built: a run that fails there still ends through the store, which announces its start.
      closing = { store, state: () => initialState() };
      const engine = this.engineFor(row, store, signals);
      closing.state = () => engine.closingState();
      const outcome = await engine.run();
      await this.conclude(row, workerId, outcome, closing);
    } catch (error) {
      if (error instanceof LeaseLostError) log.warn('another worker took this execution over; leaving it');
      else await this.failOnError(row, workerId, error, log, signals, closing);
    } finally {
      clearInterval(heartbeat);
      // A run that ended without its closing write (handed back, taken over, Postgres away) leaves the rows its
      // step writes published: deleted here, or the relay publishes them again under the same Nats-Msg-Id.
      if (closing) await this.stepWrites.deletePublished(closing.store.undeleted());
    }
  }

  private storeFor(row: ClaimedRow, workerId: string): DbExecutionStore {
    return new DbExecutionStore(
      row,
      workerId,
      {
        messaging: this.messaging,
        repo: this.repo,
        approvals: this.approvals,
        approvalRequests: this.approvalRequests,
        clock: this.clock,
        steps: this.stepWrites,
      },
      startsNow(row),
    );
  }

  private engineFor(row: ClaimedRow, store: DbExecutionStore, signals: RunSignals): Engine {
    if (!row.definition) throw new Error(`execution ${row.id} has no runbook definition`);
    const automation = this.settings.automation;
    return new Engine({
      runbook: row.definition,
      execution: {
        id: row.id,
        requestId: row.request_id,
        runbookId: row.runbook_id,
        mode: row.mode,
        trigger: row.trigger,
        fingerprint: row.fingerprint ?? undefined,
        severity: row.severity,
      },
      scope: scopeFor({ ...row, runbookId: row.runbook_id }, this.settings.vars),
      state: row.state && typeof row.state.cursor === 'number' ? row.state : initialState(),
      store,
      runners: this.steps.runners,
      clock: this.clock,
      cancel: signals.cancel.signal,
      stop: signals.stop.signal,
      defaults: {
        maxRetries: this.config.FIREBREAK_REMEDIATION_MAX_RETRIES,
        stepTimeoutMs: automation.stepTimeout,
        runbookTimeoutMs: automation.runbookTimeout,
        approvalRequired: this.config.FIREBREAK_APPROVAL_REQUIRED,
      },
      sloStates: () => this.sloStates.states(),
    });
  }

  /** The outcome, in one transaction with what the engine left to write (the last step's attempt). */
  private async conclude(row: ClaimedRow, workerId: string, outcome: EngineOutcome, closing?: ClosingWrite): Promise<void> {
    if (outcome.status !== 'released' && outcome.status !== 'waiting_approval' && outcome.status !== 'cancelled')
      return this.finishAlone(row, workerId, { ...outcome, status: outcome.status }, closing);
    const at = this.clock.now();
    let written: AttemptRecord[] = [];
    // Deleted by the closing statement (finishStatement), as a step write deletes those of the write before.
    const published = closing?.store.undeleted() ?? [];
    const finalized = await this.messaging.run(async (tx) => {
      if (outcome.status === 'released' || outcome.status === 'waiting_approval') {
        written = await this.handBack(tx, row, workerId, outcome.status, closing);
        return undefined;
      }
      // Lease check, state, deferred attempts, approvals cancelled and the end: one statement (finishLeased).
      const attempts = closing?.store.pending() ?? [];
      const finishing = {
        state: closing && attempts.length ? closing.state() : null,
        attempts,
        published,
        beforeFinish: () => closing?.store.announce(tx, attempts),
      };
      const finalized = await this.finalizer.finishLeased(tx, row, workerId, outcome, at, finishing);
      written = attempts;
      return finalized;
    });
    closing?.store.committed(written);
    if (finalized) closing?.store.deletedPublished(published);
    if (finalized) this.finalizer.observe(finalized);
  }

  /**
   * The end of a run that was not cancelled, in one statement outside a transaction (LeasedStepWrites.finish):
   * BEGIN, the outbox INSERT and COMMIT around it were three of a run's round trips to Postgres.
   */
  private async finishAlone(
    row: ClaimedRow,
    workerId: string,
    outcome: Extract<EngineOutcome, { status: FinalOutcome['status'] }>,
    closing?: ClosingWrite,
  ): Promise<void> {
    const at = this.clock.now();
    const attempts = closing?.store.pending() ?? [];
    const published = closing?.store.undeleted() ?? [];
    const state = closing && attempts.length ? closing.state() : null;
    // A read before the closing statement, as it was in the closing transaction (which saw what committed before each statement).
    const verification = await this.verification.windowFor(this.dataSource.manager, row, outcome.status, at);
    const finalized = await this.finalizer.finishAlone(
      row,
      outcome,
      at,
      (tx) => closing?.store.announce(tx, attempts),
      async (final, announce) => (await this.stepWrites.finish(row.id, workerId, { state, attempts, published }, final, announce)).written,
      verification,
    );
    closing?.store.committed(attempts);
    closing?.store.deletedPublished(published);
    this.finalizer.observe(finalized);
  }

  /** Deletes the outbox rows closing writes published that no step write deleted yet (on shutdown, once runs stopped). */
  flushPublished(): Promise<void> {
    return this.stepWrites.close();
  }

  /** A run that stops without ending: back to the queue, or waiting for its approval. */
  private async handBack(
    tx: Transaction,
    row: ClaimedRow,
    workerId: string,
    status: 'released' | 'waiting_approval',
    closing?: ClosingWrite,
  ): Promise<AttemptRecord[]> {
    const current = await this.repo.lock(tx.manager, row.id);
    if (!current || current.lease_owner !== workerId) throw new LeaseLostError(row.id);
    const written = closing?.store.hasDeferred() ? await closing.store.writeIn(tx, closing.state(), []) : [];
    // An approval decided while this worker was still finishing up must not be missed.
    const pending = status === 'waiting_approval' && (await this.approvals.hasPending(tx.manager, row.id));
    await this.repo.setStatus(tx.manager, row.id, pending ? 'waiting_approval' : 'queued');
    return written;
  }

  /**
   * Records the failure. While a finished step's success is held back (ExecutionStore.defer), giving
   * up would let recovery see that step as in flight and stop a run whose non-idempotent step did
   * succeed, so the write is retried until it commits, another worker holds the lease, or the worker
   * stops. Every try is lease-guarded, so a retry after the local lease time is still safe.
   */
  private async failOnError(
    row: ClaimedRow,
    workerId: string,
    error: unknown,
    log: Logger,
    signals: RunSignals,
    closing?: ClosingWrite,
  ): Promise<void> {
    log.error({ err: error }, 'execution failed inside the executor');
    const outcome: EngineOutcome = {
      status: 'failed',
      reason: `executor error: ${error instanceof Error ? error.message : String(error)}`,
      escalate: true,
    };
    for (let tries = 1; ; tries++) {
      try {
        await this.conclude(row, workerId, outcome, closing);
        return;
      } catch (finalError) {
        const heldBack = closing?.store.hasDeferred() ?? false;
        if (finalError instanceof LeaseLostError || !heldBack || signals.stop.signal.aborted) {
          // Postgres away or the lease gone: the lease expires and recovery decides.
          log.error({ err: finalError }, 'could not record the failure; the execution will be recovered');
          return;
        }
        if (tries === 1) log.warn({ err: finalError }, 'could not record a finished step and the failure; retrying until Postgres is back');
        try {
          await this.clock.sleep(this.retryIntervalMs(), signals.stop.signal);
        } catch {
          log.error('stopping with a finished step unrecorded; the execution will be recovered');
          return;
        }
      }
    }
  }

  private retryIntervalMs(): number {
    return Math.min(1_000, this.config.FIREBREAK_EXECUTION_LEASE_MS / 3);
  }

  private async heartbeat(row: ClaimedRow, workerId: string, signals: RunSignals, log: Logger): Promise<void> {
    try {
      const lease = await this.repo.renewLease(row.id, workerId, this.clock.now(), this.config.FIREBREAK_EXECUTION_LEASE_MS);
      if (!lease) {
        if (!signals.stop.signal.aborted) signals.stop.abort(new LeaseLostError(row.id));
        return;
      }
      if (lease.cancel_requested_at && !signals.cancel.signal.aborted)
        signals.cancel.abort(`${lease.cancel_reason ?? 'cancelled'} (by ${lease.cancel_requested_by ?? 'unknown'})`);
    } catch (error) {
      log.warn({ err: error }, 'could not renew the execution lease');
    }
  }
}
