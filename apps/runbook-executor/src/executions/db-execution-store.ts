import { randomUUID } from 'node:crypto';
import { deriveEventId } from '@firebreak/contracts';
import { Transaction, TransactionalMessaging } from '@firebreak/bus';
import { Clock } from '../common/clock';
import { executorMetrics } from '../common/metrics';
import { ApprovalStatus, AttemptRecord, EngineState, ExecutionStore, LeaseLostError } from '../engine/engine.types';
import { ApprovalsRepository } from '../approvals/approvals.repository';
import { AnyStep } from '../runbooks/step.schemas';
import { executionEvents } from './execution-events';
import { ExecutionRow } from './execution.types';
import { ExecutionsRepository } from './executions.repository';

export interface StoreDependencies {
  messaging: TransactionalMessaging;
  repo: ExecutionsRepository;
  approvals: ApprovalsRepository;
  clock: Clock;
  approvalTimeoutMs: number;
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
      if (attempt.status === 'succeeded') for (const event of attempt.events ?? []) tx.stage(event.subject, event.data as never, { id: event.id, subject: event.eventSubject });
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
    const approvalId = randomUUID();
    const expiresAt = new Date(now.getTime() + (this.row.definition?.approvalTimeout ?? this.deps.approvalTimeoutMs));
    await this.deps.messaging.run(async (tx) => {
      await this.guardedSave(tx, state);
      await this.deps.repo.upsertAttempt(tx.manager, this.row.id, attempt);
      executionEvents.step(tx, this.row, attempt);
      await this.deps.approvals.insert(tx.manager, { id: approvalId, execution_id: this.row.id, step_id: step.id, runbook_id: this.row.runbook_id, severity: this.row.severity, summary, requested_at: now, expires_at: expiresAt });
      const fingerprint = this.row.fingerprint ?? undefined;
      tx.stage(
        'runbooks.approval.requested',
        { approvalId, executionId: this.row.id, runbookId: this.row.runbook_id, stepId: step.id, fingerprint, severity: this.row.severity, summary, expiresAt: expiresAt.toISOString() },
        { id: deriveEventId('approval-requested', this.row.id, step.id), subject: fingerprint },
      );
      const requestId = deriveEventId('approval-notify', this.row.id, step.id);
      tx.stage(
        'notifications.requested',
        {
          requestId,
          channels: [],
          severity: this.row.severity,
          title: `Approval needed: ${summary}`.slice(0, 500),
          text: `Runbook ${this.row.runbook_id} waits for approval of step ${step.id} (execution ${this.row.id}). Approve or reject: POST /api/v1/approvals/${approvalId}/approve or /reject. Expires ${expiresAt.toISOString()}.`,
          labels: { runbook: this.row.runbook_id, execution: this.row.id, approval: approvalId },
          fingerprint,
          executionId: this.row.id,
          runbookId: this.row.runbook_id,
        },
        { id: requestId, subject: fingerprint },
      );
    });
  }

  private async guardedSave(tx: Transaction, state: EngineState): Promise<void> {
    if (!(await this.deps.repo.saveState(tx.manager, this.row.id, this.workerId, state))) throw new LeaseLostError(this.row.id);
  }

  private observe(attempt: AttemptRecord): void {
    if (attempt.status === 'running') return;
    if (attempt.durationMs !== undefined) executorMetrics.stepDuration.observe({ runbook: this.row.runbook_id, step_type: attempt.stepType, status: attempt.status }, attempt.durationMs / 1000);
    if (attempt.refused) executorMetrics.refusals.inc({ runbook: this.row.runbook_id, rule: attempt.refused.rule });
  }
}
