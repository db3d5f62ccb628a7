import { Transaction, TransactionalMessaging } from '@firebreak/bus';
import { Clock } from '@firebreak/platform';
import { ApprovalsRepository } from '../approvals/approvals.repository';
import { ApprovalsService } from '../approvals/approvals.service';
import { executorMetrics } from '../common/metrics';
import { runbookLabel } from '../definitions/metric-labels';
import { AnyStep } from '../definitions/step.schemas';
import { ApprovalStatus, AttemptRecord, EngineState, ExecutionStore, LeaseLostError } from '../engine/engine.types';
import { executionEvents } from '../lifecycle/execution-events';
import { ExecutionRow } from '../lifecycle/execution.types';
import { ExecutionsRepository } from '../lifecycle/executions.repository';

export interface StoreDependencies {
  messaging: TransactionalMessaging;
  repo: ExecutionsRepository;
  approvals: ApprovalsRepository;
  approvalRequests: ApprovalsService;
  clock: Clock;
}

/** Persists one claimed execution: every write checks this worker still holds the lease, in the same transaction as its events. */
export class DbExecutionStore implements ExecutionStore {
  constructor(
    private readonly row: ExecutionRow,
    private readonly workerId: string,
    private readonly deps: StoreDependencies,
  ) {}

  async record(state: EngineState, attempt: AttemptRecord): Promise<void> {
    await this.deps.messaging.run(async (tx) => {
      await this.guardedSave(tx, state);
      await this.deps.repo.upsertAttempt(tx.manager, this.row.id, attempt);
      executionEvents.step(tx, this.row, attempt);
      if (attempt.status === 'succeeded')
        for (const event of attempt.events ?? [])
          tx.stage(event.subject, event.data as never, { id: event.id, subject: event.eventSubject });
    });
    this.observe(attempt);
  }

  async save(state: EngineState): Promise<void> {
    await this.deps.messaging.run((tx) => this.guardedSave(tx, state));
  }

  async approvalStatus(stepId: string): Promise<ApprovalStatus> {
    const status = await this.deps.approvals.statusFor(this.row.id, stepId);
    return status === undefined || status === 'cancelled' ? 'none' : status;
  }

  async requestApproval(state: EngineState, step: AnyStep, summary: string, attempt: AttemptRecord): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.messaging.run(async (tx) => {
      await this.guardedSave(tx, state);
      await this.deps.repo.upsertAttempt(tx.manager, this.row.id, attempt);
      executionEvents.step(tx, this.row, attempt);
      await this.deps.approvalRequests.request(tx, this.row, step.id, summary, now);
    });
  }

  private async guardedSave(tx: Transaction, state: EngineState): Promise<void> {
    if (!(await this.deps.repo.saveState(tx.manager, this.row.id, this.workerId, state))) throw new LeaseLostError(this.row.id);
  }

  private observe(attempt: AttemptRecord): void {
    if (attempt.status === 'running') return;
    if (attempt.durationMs !== undefined)
      executorMetrics.stepDuration.observe(
        { runbook: runbookLabel(this.row.definition), step_type: attempt.stepType, status: attempt.status },
        attempt.durationMs / 1000,
      );
    if (attempt.refused) executorMetrics.refusals.inc({ runbook: runbookLabel(this.row.definition), rule: attempt.refused.rule });
  }
}
