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
import { LeasedStepWrites } from './leased-step-writes';

export interface StoreDependencies {
  messaging: TransactionalMessaging;
  repo: ExecutionsRepository;
  approvals: ApprovalsRepository;
  approvalRequests: ApprovalsService;
  clock: Clock;
  steps: LeasedStepWrites;
}

/**
 * Persists one claimed execution: every write checks this worker still holds the lease, in the
 * same transaction (and statement) as its attempts, and stages their events in that transaction. A
 * step's write (record) is that one statement alone, with its events' outbox rows (LeasedStepWrites).
 */
export class DbExecutionStore implements ExecutionStore {
  /** Deferred attempts, kept until a transaction that wrote them committed. */
  private deferred: AttemptRecord[] = [];
  /** Outbox rows a step write published after its statement: the next write of this run deletes them. */
  private published: string[] = [];
  /** Whether a write staged the run's `started` event since the last commit (see `unannounced`). */
  private startStaged = false;

  /**
   * `unannounced`: the claim started the run (startsNow), so its first write stages `runbooks.execution.started`
   * ahead of its own events, in the same statement; until one such write commits, every write stages it again
   * (its id is derived, so a repeat is dropped).
   */
  constructor(
    private readonly row: ExecutionRow,
    private readonly workerId: string,
    private readonly deps: StoreDependencies,
    private unannounced = false,
  ) {}

  /** The step's write, one statement outside a transaction (LeasedStepWrites), with the deferred attempts. */
  async record(state: EngineState, attempt: AttemptRecord): Promise<void> {
    const all = [...this.deferred, attempt];
    const result = await this.deps.steps.write(this.row.id, this.workerId, state, all, (tx) => this.announce(tx, all), this.published);
    // The statement committed, and deleted the rows published before, whether or not the lease held.
    this.published = result.published;
    if (!result.written) throw new LeaseLostError(this.row.id);
    this.committed(all);
  }

  defer(attempt: AttemptRecord): void {
    this.deferred.push(attempt);
  }

  async save(state: EngineState): Promise<void> {
    const written = await this.deps.messaging.run((tx) => this.writeIn(tx, state, []));
    this.committed(written);
  }

  async approvalStatus(stepId: string): Promise<ApprovalStatus> {
    const status = await this.deps.approvals.statusFor(this.row.id, stepId);
    return status === undefined || status === 'cancelled' ? 'none' : status;
  }

  async requestApproval(state: EngineState, step: AnyStep, summary: string, attempt: AttemptRecord): Promise<void> {
    const now = this.deps.clock.now();
    const written = await this.deps.messaging.run(async (tx) => {
      const written = await this.writeIn(tx, state, [attempt]);
      await this.deps.approvalRequests.request(tx, this.row, step.id, summary, now);
      return written;
    });
    // The request is no step attempt that took time: only the deferred attempts it wrote have a duration to record.
    this.committed(written.filter((other) => other !== attempt));
  }

  /** The outbox rows published after step writes and not deleted yet: the closing write deletes them. */
  undeleted(): string[] {
    return [...this.published];
  }

  /** After a write that deleted `ids` committed. */
  deletedPublished(ids: readonly string[]): void {
    this.published = this.published.filter((id) => !ids.includes(id));
  }

  /** Whether the engine left attempts for the closing write. */
  hasDeferred(): boolean {
    return this.deferred.length > 0;
  }

  /**
   * Writes the state, what was deferred and `attempts` in the caller's transaction (the executor's
   * closing write uses it directly) and returns what to pass to `committed` once it committed.
   */
  async writeIn(tx: Transaction, state: EngineState, attempts: AttemptRecord[]): Promise<AttemptRecord[]> {
    const all = [...this.deferred, ...attempts];
    if (!(await this.deps.repo.saveStateWithAttempts(tx.manager, this.row.id, this.workerId, state, all)))
      throw new LeaseLostError(this.row.id);
    this.announce(tx, all);
    return all;
  }

  /** The deferred attempts, for a closing write that writes them itself (pass them to `announce`, then `committed`). */
  pending(): AttemptRecord[] {
    return [...this.deferred];
  }

  /** Stages the events of written attempts: each one's step event, and a succeeded step's own events. */
  announce(tx: Transaction, written: AttemptRecord[]): void {
    if (this.unannounced) {
      executionEvents.started(tx, this.row, this.row.started_at ?? this.deps.clock.now());
      this.startStaged = true;
    }
    for (const attempt of written) {
      executionEvents.step(tx, this.row, attempt);
      if (attempt.status === 'succeeded')
        for (const event of attempt.events ?? [])
          tx.stage(event.subject, event.data as never, { id: event.id, subject: event.eventSubject });
    }
  }

  /** After the commit: the deferred attempts it wrote are done with (a failed write keeps them for the next). */
  committed(written: AttemptRecord[]): void {
    if (this.startStaged) this.unannounced = false;
    this.startStaged = false;
    this.deferred = this.deferred.filter((attempt) => !written.includes(attempt));
    for (const attempt of written) this.observe(attempt);
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
