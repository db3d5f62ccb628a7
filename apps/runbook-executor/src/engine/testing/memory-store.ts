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

  async record(state: EngineState, attempt: AttemptRecord): Promise<void> {
    this.recorded++;
    if (!this.keep) return;
    this.saved = structuredClone(state);
    this.attempts.push({ ...attempt });
  }

  async save(state: EngineState): Promise<void> {
    if (this.keep) this.saved = structuredClone(state);
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
