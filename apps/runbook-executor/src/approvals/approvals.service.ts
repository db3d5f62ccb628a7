import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ChatActor, deriveEventId } from '@firebreak/contracts';
import { InboxKey, Transaction, TransactionalMessaging } from '@firebreak/bus';
import { AppError, AuditLog, Clock, CLOCK, CONFIG, LOGGER, notFound } from '@firebreak/platform';
import { formatDuration } from '../common/duration';
import { executorMetrics } from '../common/metrics';
import { ExecutorSettings, SETTINGS } from '../common/settings';
import { ExecutionFinalizer, Finalized } from '../lifecycle/execution-finalizer';
import { ExecutionRow } from '../lifecycle/execution.types';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import { WorkerSignals } from '../lifecycle/worker-signals';
import { ExecutorConfig } from '../service';
import { ApprovalDecision, ApprovalRow, ApprovalsRepository } from './approvals.repository';

export type PersonDecision = 'approved' | 'rejected';

/** Who decides: an API token's name, or a chat user (the chat and its user id are audited too). */
export interface Decider {
  name: string;
  via?: ChatActor['via'];
  chatUserId?: string;
}

/** A person's decision that came after the approval's expiry: the approval is expired now (committed), the decision refused. */
export class ApprovalExpiredError extends AppError {
  constructor(id: string, expiresAt: Date) {
    super('conflict', `approval ${id} expired at ${expiresAt.toISOString()}`, 409);
  }
}

/** Asks for approvals, decides them by API and expires them; the execution resumes, ends rejected, or fails on expiry. */
@Injectable()
export class ApprovalsService {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SETTINGS) private readonly settings: ExecutorSettings,
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    private readonly messaging: TransactionalMessaging,
    private readonly approvals: ApprovalsRepository,
    private readonly executions: ExecutionsRepository,
    private readonly finalizer: ExecutionFinalizer,
    private readonly worker: WorkerSignals,
    private readonly audit: AuditLog,
  ) {}

  list(status: string | undefined, limit: number): Promise<ApprovalRow[]> {
    return this.approvals.list({ status, limit });
  }

  /**
   * Records the request and announces it once (`runbooks.approval.requested`, which the notifier sends to
   * the severity channels), in the transaction that pauses the execution at `stepId`.
   */
  async request(tx: Transaction, execution: ExecutionRow, stepId: string, summary: string, requestedAt: Date): Promise<void> {
    const approvalId = randomUUID();
    const expiresAt = new Date(requestedAt.getTime() + (execution.definition?.approvalTimeout ?? this.settings.automation.approvalTimeout));
    await this.approvals.insert(tx.manager, {
      id: approvalId,
      execution_id: execution.id,
      step_id: stepId,
      runbook_id: execution.runbook_id,
      severity: execution.severity,
      summary,
      requested_at: requestedAt,
      expires_at: expiresAt,
    });
    const fingerprint = execution.fingerprint ?? undefined;
    tx.stage(
      'runbooks.approval.requested',
      {
        approvalId,
        executionId: execution.id,
        runbookId: execution.runbook_id,
        stepId,
        fingerprint,
        severity: execution.severity,
        summary,
        expiresAt: expiresAt.toISOString(),
      },
      { id: deriveEventId('approval-requested', execution.id, stepId), subject: fingerprint },
    );
  }

  /**
   * A person's decision, from the API or from a chat request on the bus (with its inbox key, so a
   * redelivered request is `undefined` and changes nothing). The same rules either way: pending only,
   * separation of duties, past its expiry it is expired (committed, then refused as a conflict).
   */
  decide(id: string, decision: PersonDecision, by: Decider, note: string | undefined): Promise<ApprovalRow>;
  decide(id: string, decision: PersonDecision, by: Decider, note: string | undefined, inbox: InboxKey): Promise<ApprovalRow | undefined>;
  async decide(
    id: string,
    decision: PersonDecision,
    by: Decider,
    note: string | undefined,
    inbox?: InboxKey,
  ): Promise<ApprovalRow | undefined> {
    const now = this.clock.now();
    const work = (tx: Transaction) => this.decideLocked(tx, id, decision, by, note ?? null, now);
    const outcome = inbox ? await this.messaging.run(work, inbox) : { duplicate: false as const, result: await this.messaging.run(work) };
    if (outcome.duplicate) return undefined;
    const { approval, expired, finalized } = outcome.result;
    if (finalized) this.finalizer.observe(finalized);
    this.worker.kick();
    if (expired) throw new ApprovalExpiredError(id, approval.expires_at);
    return approval;
  }

  private async decideLocked(tx: Transaction, id: string, decision: PersonDecision, by: Decider, note: string | null, now: Date) {
    const found = await this.approvals.get(id, tx.manager);
    // Execution first, then approval: the order every writer takes, so none deadlocks.
    const execution = found && (await this.executions.lock(tx.manager, found.execution_id));
    const approval = found && (await this.approvals.lock(tx.manager, id));
    if (!execution || !approval) throw notFound('approval', id);
    if (approval.status !== 'pending') throw new AppError('conflict', `approval ${id} is already ${approval.status}`, 409);
    if (decision === 'approved') this.checkSeparationOfDuties(execution, approval, by.name);
    // Past its expiry it is expired, whether or not the expiry sweep got to it yet.
    if (approval.expires_at.getTime() <= now.getTime()) {
      const finalized = await this.apply(tx, execution, approval, 'expired', null, null, now);
      return { approval, expired: true, finalized };
    }
    const via = by.via ? { via: by.via, chatUserId: by.chatUserId } : {};
    await this.audit.record(
      {
        actor: by.name,
        action: `approval.${decision === 'approved' ? 'approve' : 'reject'}`,
        target: id,
        details: { executionId: execution.id, stepId: approval.step_id, note: note ?? undefined, ...via },
      },
      tx.manager,
    );
    const finalized = await this.apply(tx, execution, approval, decision, by.name, note, now);
    const decided: ApprovalRow = { ...approval, status: decision, decided_by: by.name, note, decided_at: now };
    return { approval: decided, expired: false, finalized };
  }

  /** Approvals past their expiry fail their execution (and escalate an automatic one). */
  async expireDue(limit = 50): Promise<number> {
    const now = this.clock.now();
    const due = await this.messaging.run((tx) => this.approvals.claimDue(tx.manager, now, limit));
    let expired = 0;
    for (const candidate of due) {
      const finalized = await this.messaging.run(async (tx) => {
        const execution = await this.executions.lock(tx.manager, candidate.execution_id);
        const approval = await this.approvals.lock(tx.manager, candidate.id);
        if (!execution || approval?.status !== 'pending') return undefined;
        expired++;
        return this.apply(tx, execution, approval, 'expired', null, null, now);
      });
      if (finalized) this.finalizer.observe(finalized);
    }
    if (expired) this.logger.info({ expired }, 'approvals expired');
    executorMetrics.approvalsPending.set(await this.approvals.countPending());
    return expired;
  }

  /** Separation of duties: whoever started a run does not also approve its high-risk steps (unless configured). */
  private checkSeparationOfDuties(execution: ExecutionRow, approval: ApprovalRow, by: string): void {
    if (this.config.FIREBREAK_APPROVAL_SELF_ALLOWED || !execution.requested_by || execution.requested_by !== by) return;
    const step = execution.definition?.steps.find((s) => s.id === approval.step_id);
    if (step?.risk !== 'high') return;
    throw new AppError(
      'forbidden',
      `${by} started execution ${execution.id} and may not also approve its high-risk step ${approval.step_id}: another person must approve it (FIREBREAK_APPROVAL_SELF_ALLOWED=true allows it)`,
      403,
      { startedBy: by, stepId: approval.step_id },
    );
  }

  /** An approval decided while its execution was being handed back leaves it waiting for nothing: it runs again. */
  async requeueOrphaned(): Promise<number> {
    const requeued = await this.approvals.requeueOrphaned();
    if (requeued) this.worker.kick();
    return requeued;
  }

  private async apply(
    tx: Transaction,
    execution: ExecutionRow,
    approval: ApprovalRow,
    decision: ApprovalDecision,
    by: string | null,
    note: string | null,
    at: Date,
  ): Promise<Finalized | undefined> {
    await this.approvals.decide(tx.manager, approval.id, decision, by, note, at);
    tx.stage(
      'runbooks.approval.decided',
      {
        approvalId: approval.id,
        executionId: execution.id,
        decision: decision === 'cancelled' ? 'rejected' : decision,
        ...(by ? { decidedBy: by } : {}),
        ...(note ? { note } : {}),
        decidedAt: at.toISOString(),
      },
      { id: deriveEventId('approval-decided', approval.id), subject: execution.fingerprint ?? undefined },
    );
    // Running means its worker is just handing it over: it re-reads the decision when it resumes.
    if (execution.status !== 'waiting_approval') return undefined;
    if (decision === 'approved') {
      await this.executions.setStatus(tx.manager, execution.id, 'queued');
      return undefined;
    }
    const waited = formatDuration(approval.expires_at.getTime() - approval.requested_at.getTime());
    const outcome =
      decision === 'expired'
        ? { status: 'failed' as const, reason: `approval of step ${approval.step_id} expired after ${waited}`, escalate: true }
        : {
            status: 'rejected' as const,
            reason: `approval of step ${approval.step_id} rejected by ${by}${note ? `: ${note}` : ''}`,
            escalate: false,
          };
    return this.finalizer.finalize(tx, execution, outcome, at);
  }
}
