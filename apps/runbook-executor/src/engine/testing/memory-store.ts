import { AnyStep } from '../../definitions/step.schemas';
import { ApprovalStatus, AttemptRecord, EngineState, ExecutionStore } from '../engine.types';

/** An ExecutionStore in memory, for engine tests and the engine benchmark. */
export class MemoryStore implements ExecutionStore {
  readonly attempts: AttemptRecord[] = [];
  readonly approvals = new Map<string, ApprovalStatus>();
  readonly approvalRequests: Array<{ stepId: string; summary: string }> = [];
  saved?: EngineState;
  /** Keep only counts (benchmark): no per-attempt objects retained. */
  constructor(private readonly keep = true) {}
  recorded = 0;

  /** Deferred attempts not written yet: like the database store, they are written with the next write. */
  readonly deferred: AttemptRecord[] = [];

  async record(state: EngineState, attempt: AttemptRecord): Promise<void> {
    this.recorded++;
    this.write(state, [attempt]);
  }

  defer(attempt: AttemptRecord): void {
    this.deferred.push({ ...attempt });
  }

  async save(state: EngineState): Promise<void> {
    this.write(state, []);
  }

  /** The caller's closing write after `Engine.run()`: the state and whatever is still deferred. */
  close(state: EngineState): void {
    if (this.deferred.length) this.write(state, []);
  }

  /** Each write (one transaction in the database store): its attempts as "step:status", and the state it wrote. */
  readonly writes: Array<{ attempts: string[]; cursor: number; inFlight?: string }> = [];

  private write(state: EngineState, attempts: AttemptRecord[]): void {
    const all = [...this.deferred.splice(0), ...attempts];
    this.writes.push({ attempts: all.map((a) => `${a.stepId}:${a.status}`), cursor: state.cursor, inFlight: state.inFlight?.stepId });
    if (!this.keep) return;
    this.saved = structuredClone(state);
    for (const attempt of all) this.attempts.push({ ...attempt });
  }

  async approvalStatus(stepId: string): Promise<ApprovalStatus> {
    return this.approvals.get(stepId) ?? 'none';
  }

  async requestApproval(state: EngineState, step: AnyStep, summary: string, attempt: AttemptRecord): Promise<void> {
    this.approvals.set(step.id, 'pending');
    this.approvalRequests.push({ stepId: step.id, summary });
    await this.record(state, attempt);
  }

  /** "step:status" for every finished attempt, in order (running entries left out). */
  trail(): string[] {
    return this.attempts.filter((a) => a.status !== 'running').map((a) => `${a.rollback ? 'rb:' : ''}${a.stepId}:${a.status}`);
  }
}
