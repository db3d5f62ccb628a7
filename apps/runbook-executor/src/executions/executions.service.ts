import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { FingerprintSchema, RunbookRequested } from '@firebreak/contracts';
import { InboxKey, Transaction, TransactionalMessaging } from '@firebreak/bus';
import { AppError, AuditEntry, AuditLog, Clock, CLOCK, notFound } from '@firebreak/platform';
import { ApprovalsRepository } from '../approvals/approvals.repository';
import { Admission, ExecutionGate } from '../automation/execution-gate';
import { ExecutorSettings, SETTINGS } from '../common/settings';
import { withDefaults } from '../definitions/runbook-params';
import { Runbook } from '../definitions/runbook.schema';
import { renderText } from '../definitions/template';
import { rollbackQueue } from '../engine/rollback';
import { ExecutionFinalizer, Finalized } from '../lifecycle/execution-finalizer';
import { scopeFor } from '../lifecycle/execution-scope';
import { NewExecution, TERMINAL_STATUSES } from '../lifecycle/execution.types';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import { WorkerSignals } from '../lifecycle/worker-signals';
import { RunbookCatalogService } from '../runbooks/runbook-catalog.service';

export interface CreateOptions {
  inbox?: InboxKey;
  drillTargetMs?: number;
  audit?: Omit<AuditEntry, 'target'>;
}

export type Created = { duplicate: true } | { duplicate: false; executionId: string; status: 'queued' | 'skipped'; reason?: string };

type Draft = Omit<NewExecution, 'status' | 'escalate'>;

/** Creates executions (from the bus and the API) and cancels them. Running them is the worker's job. */
@Injectable()
export class ExecutionsService {
  constructor(
    @Inject(SETTINGS) private readonly settings: ExecutorSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly messaging: TransactionalMessaging,
    private readonly repo: ExecutionsRepository,
    private readonly approvals: ApprovalsRepository,
    private readonly gate: ExecutionGate,
    private readonly catalog: RunbookCatalogService,
    private readonly finalizer: ExecutionFinalizer,
    private readonly worker: WorkerSignals,
    private readonly audit: AuditLog,
  ) {}

  /** At most one execution per request id; a skipped automatic run is recorded and escalated, not dropped. */
  async create(sent: RunbookRequested, options: CreateOptions = {}): Promise<Created> {
    // A drill never mutates and pages nobody, so it is not gated; `trigger: drill` in any other mode would be a
    // live (or dry) run past every gate. Such a request is taken for what it does: automation, gated as an alert's.
    const request: RunbookRequested = sent.trigger === 'drill' && sent.mode !== 'drill' ? { ...sent, trigger: 'alert' } : sent;
    // One look-up: the definition snapshot and the version it records are of the same catalogue entry.
    const loaded = this.catalog.get(request.runbookId);
    const runbook = loaded?.runbook;
    const draft = {
      ...this.draft(request, runbook, options.drillTargetMs),
      ...(loaded ? { runbookRef: { source: loaded.source, version: loaded.version } } : {}),
    };
    const recorded = await this.once((tx) => this.record(tx, request, runbook, draft, options), options.inbox);
    if (!recorded) return { duplicate: true };
    if (recorded.finalized) {
      this.finalizer.observe(recorded.finalized);
      return { duplicate: false, executionId: draft.id, status: 'skipped', reason: recorded.reason };
    }
    this.worker.kick();
    return { duplicate: false, executionId: draft.id, status: 'queued' };
  }

  /** Undefined when the inbox already had the event or the request id was recorded before. */
  private async once<T>(work: (tx: Transaction) => Promise<T | undefined>, inbox: InboxKey | undefined): Promise<T | undefined> {
    if (!inbox) return this.messaging.run(work);
    const outcome = await this.messaging.run(work, inbox);
    return outcome.duplicate ? undefined : outcome.result;
  }

  private async record(
    tx: Transaction,
    request: RunbookRequested,
    runbook: Runbook | undefined,
    draft: Draft,
    options: CreateOptions,
  ): Promise<{ reason?: string; finalized?: Finalized } | undefined> {
    const admission: Admission =
      request.trigger === 'alert'
        ? await this.gate.admitAutomatic(tx.manager, {
            runbookId: request.runbookId,
            runbook,
            selectedBy: request.selectedBy,
            loopKey: draft.concurrencyKey ?? draft.fingerprint ?? '',
            now: draft.createdAt,
          })
        : runbook
          ? { admitted: true }
          : { admitted: false, rule: 'unknown_runbook', reason: `runbook ${request.runbookId} is not loaded` };
    const reason = admission.admitted ? undefined : admission.reason;
    if (
      !(await this.repo.insert(tx.manager, { ...draft, status: reason ? 'skipped' : 'queued', statusReason: reason, escalate: !!reason }))
    )
      return undefined;
    if (options.audit)
      await this.audit.record(
        { ...options.audit, target: draft.id, details: { ...options.audit.details, runbook: request.runbookId, mode: request.mode } },
        tx.manager,
      );
    if (!reason) return { reason };
    const row = (await this.repo.lock(tx.manager, draft.id))!;
    return { reason, finalized: await this.finalizer.finalize(tx, row, { status: 'skipped', reason, escalate: true }, draft.createdAt) };
  }

  private draft(request: RunbookRequested, runbook: Runbook | undefined, drillTargetMs?: number): Draft {
    const id = randomUUID();
    const fingerprintFromContext = FingerprintSchema.safeParse(request.context.fingerprint);
    const fingerprint = request.fingerprint ?? (fingerprintFromContext.success ? fingerprintFromContext.data : undefined);
    const params = withDefaults(runbook, request.params);
    const scope = {
      ...scopeFor(
        { id, mode: request.mode, runbookId: request.runbookId, trigger: request.trigger, fingerprint, context: request.context, params },
        this.settings.vars,
      ),
      steps: {},
    };
    const concurrency = runbook?.concurrency;
    return {
      id,
      requestId: request.requestId,
      runbookId: request.runbookId,
      definition: runbook ?? null,
      mode: request.mode,
      trigger: request.trigger,
      fingerprint,
      severity: runbook?.severity ?? request.context.severity ?? 'warning',
      // The key is data from the alert: rendered as text, compared as text, never interpreted.
      concurrencyKey: concurrency ? renderText(concurrency.key ?? '', scope).slice(0, 500) : null,
      concurrencyLimit: concurrency?.limit ?? null,
      runbookLimit: concurrency?.max ?? null,
      context: request.context,
      params,
      requestedBy: request.requestedBy,
      reason: request.reason,
      createdAt: this.clock.now(),
      drillTargetMs:
        request.mode === 'drill' ? (drillTargetMs ?? runbook?.drill?.target ?? this.settings.automation.drillTarget) : undefined,
    };
  }

  /** A running execution is stopped by its worker (at once here, at the next heartbeat elsewhere); a waiting one ends now. */
  async cancel(id: string, by: string, reason: string): Promise<{ executionId: string; status: 'cancelling' | 'cancelled' }> {
    const now = this.clock.now();
    let finalized: Finalized | undefined;
    const status = await this.messaging.run(async (tx) => {
      const row = await this.repo.lock(tx.manager, id);
      if (!row) throw notFound('execution', id);
      if ((TERMINAL_STATUSES as readonly string[]).includes(row.status))
        throw new AppError('conflict', `execution ${id} is already ${row.status}`, 409);
      await this.audit.record({ actor: by, action: 'execution.cancel', target: id, details: { reason, status: row.status } }, tx.manager);
      await this.repo.requestCancel(tx.manager, id, by, reason, now);
      if (row.status === 'running') return 'cancelling' as const;
      await this.approvals.cancelPending(tx.manager, id, now);
      const queue = row.definition?.onCancel === 'rollback' ? rollbackQueue(row.definition, row.state.completed ?? []) : [];
      if (queue.length) {
        const state = {
          ...row.state,
          rollback: { queue, failed: [], outcome: { status: 'cancelled' as const, reason: `${reason} (by ${by})`, escalate: false } },
        };
        await this.repo.setStatus(tx.manager, id, 'queued', { state });
        return 'cancelling' as const;
      }
      finalized = await this.finalizer.finalize(tx, row, { status: 'cancelled', reason: `${reason} (by ${by})`, escalate: false, by }, now);
      return 'cancelled' as const;
    });
    if (finalized) this.finalizer.observe(finalized);
    if (status === 'cancelling') {
      this.worker.cancelLocal(id, `${reason} (by ${by})`);
      this.worker.kick();
    }
    return { executionId: id, status };
  }
}
