import { Inject, Injectable } from '@nestjs/common';
import { RunbookRequested } from '@firebreak/contracts';
import { TransactionalMessaging } from '@firebreak/bus';
import { AppError, AuditEntry, AuditLog, Clock, CLOCK, notFound } from '@firebreak/platform';
import { ApprovalsRepository } from '../approvals/approvals.repository';
import { rollbackQueue } from '../engine/rollback';
import { ExecutionFinalizer, Finalized } from '../lifecycle/execution-finalizer';
import { TERMINAL_STATUSES } from '../lifecycle/execution.types';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import { WorkerSignals } from '../lifecycle/worker-signals';
import { ExecutionRecording } from './execution-recording';

export interface CreateOptions {
  drillTargetMs?: number;
  audit?: Omit<AuditEntry, 'target'>;
}

export type Created = { duplicate: true } | { duplicate: false; executionId: string; status: 'queued' | 'skipped'; reason?: string };

/** Creates executions (from the bus and the API) and cancels them. Running them is the worker's job. */
@Injectable()
export class ExecutionsService {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly messaging: TransactionalMessaging,
    private readonly repo: ExecutionsRepository,
    private readonly approvals: ApprovalsRepository,
    private readonly recording: ExecutionRecording,
    private readonly finalizer: ExecutionFinalizer,
    private readonly worker: WorkerSignals,
    private readonly audit: AuditLog,
  ) {}

  /**
   * At most one execution per request id; a skipped automatic run is recorded and escalated, not dropped.
   * A request that can never be stored (NUL in its data) is refused with a 400. The bus's requests
   * take the batched path (RequestsRecorder); this one serves the API.
   */
  async create(sent: RunbookRequested, options: CreateOptions = {}): Promise<Created> {
    const prepared = this.recording.prepare(sent, (reason) => new AppError('unstorable_request', reason), options.drillTargetMs);
    const { draft, request } = prepared;
    const recorded = await this.messaging.run(async (tx) => {
      const [result] = await this.recording.recordAll(tx, [prepared]);
      if (result && options.audit)
        await this.audit.record(
          { ...options.audit, target: draft.id, details: { ...options.audit.details, runbook: request.runbookId, mode: request.mode } },
          tx.manager,
        );
      return result;
    });
    if (!recorded) return { duplicate: true };
    if (recorded.finalized) {
      this.finalizer.observe(recorded.finalized);
      return { duplicate: false, executionId: draft.id, status: 'skipped', reason: recorded.reason };
    }
    this.worker.kick();
    return { duplicate: false, executionId: draft.id, status: 'queued' };
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
