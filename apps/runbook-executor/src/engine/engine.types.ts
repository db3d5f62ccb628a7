import { ExecutionMode, Severity, Subject } from '@firebreak/contracts';
import { Clock } from '@firebreak/platform';
import { Runbook } from '../definitions/runbook.schema';
import { SloState } from '../definitions/slo-scope';
import { AnyStep, StepType } from '../definitions/step.schemas';
import { TemplateScope } from '../definitions/template';

/** `refused`: a safety rule stopped the step before it acted; never read as a failed probe, and it stops the run. */
export type StepOutcome = 'success' | 'failure' | 'skipped' | 'refused';
export type FinalStatus = 'succeeded' | 'failed' | 'timed_out' | 'needs_attention' | 'rejected' | 'cancelled' | 'ineffective';

export interface FinalOutcome {
  status: FinalStatus;
  reason: string;
  escalate: boolean;
}

export type EngineOutcome = FinalOutcome | { status: 'waiting_approval'; stepId: string } | { status: 'released' };

/** Everything needed to resume an execution; stored with it after every attempt. */
export interface EngineState {
  /** Index of the next forward step. */
  cursor: number;
  steps: Record<string, { outcome: StepOutcome; outputs: Record<string, unknown>; error?: string }>;
  /** Forward steps that succeeded, in order: their rollbacks run newest first. */
  completed: string[];
  /** Attempt numbers used so far, by step id (`rb:` prefix for rollback steps). */
  attempts: Record<string, number>;
  /** The attempt that was running when the state was last written. */
  inFlight?: { stepId: string; attempt: number; rollback: boolean };
  /** Rollback steps still to run and the outcome to report once they have. */
  rollback?: { queue: string[]; failed: string[]; outcome: FinalOutcome };
  /** Time spent running (not waiting for approval), for the runbook timeout. */
  activeMs: number;
}

export function initialState(): EngineState {
  return { cursor: 0, steps: {}, completed: [], attempts: {}, activeMs: 0 };
}

export type AttemptStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'waiting_approval' | 'cancelled';

/** An event a step asks to publish; staged in the outbox with the attempt that produced it. */
export interface StagedEvent {
  subject: Subject;
  data: unknown;
  id: string;
  eventSubject?: string;
}

export interface AttemptRecord {
  stepId: string;
  stepType: StepType;
  attempt: number;
  rollback: boolean;
  status: AttemptStatus;
  startedAt: Date;
  finishedAt?: Date;
  error?: string;
  excerpt?: string;
  refused?: { rule: string };
  durationMs?: number;
  events?: StagedEvent[];
}

export type ApprovalStatus = 'none' | 'pending' | 'approved' | 'rejected' | 'expired';

/**
 * Persistence of one execution. Each call that returns a promise is one transaction; a lost lease
 * throws LeaseLostError.
 */
export interface ExecutionStore {
  record(state: EngineState, attempt: AttemptRecord): Promise<void>;
  /**
   * Keeps a finished attempt to be written, with the state as it is then, in the next transaction:
   * the next `record`/`save`/`requestApproval`, or the closing write the caller makes after
   * `Engine.run()` returns. The engine defers only where nothing acts on the outside before that
   * write, so a crash in between is a crash during the attempt, which the stored `inFlight` covers.
   */
  defer(attempt: AttemptRecord): void;
  save(state: EngineState): Promise<void>;
  approvalStatus(stepId: string): Promise<ApprovalStatus>;
  requestApproval(state: EngineState, step: AnyStep, summary: string, attempt: AttemptRecord): Promise<void>;
}

export class LeaseLostError extends Error {
  constructor(executionId: string) {
    super(`execution ${executionId} is now owned by another worker`);
    this.name = 'LeaseLostError';
  }
}

export interface ExecutionInfo {
  id: string;
  requestId: string;
  runbookId: string;
  mode: ExecutionMode;
  trigger: 'alert' | 'manual' | 'drill';
  fingerprint?: string;
  severity: Severity;
}

export interface StepRunContext {
  step: AnyStep;
  scope: TemplateScope;
  signal: AbortSignal;
  timeoutMs: number;
  execution: ExecutionInfo;
  attempt: number;
  clock: Clock;
}

export interface StepResult {
  outputs: Record<string, unknown>;
  excerpt?: string;
  events?: StagedEvent[];
}

export interface StepRunner {
  run(ctx: StepRunContext): Promise<StepResult>;
}

export type StepRunners = Record<StepType, StepRunner>;

export interface EngineDefaults {
  maxRetries: number;
  stepTimeoutMs: number;
  runbookTimeoutMs: number;
  approvalRequired: boolean;
}

export interface EngineOptions {
  runbook: Runbook;
  execution: ExecutionInfo;
  scope: Omit<TemplateScope, 'steps'>;
  state: EngineState;
  store: ExecutionStore;
  runners: StepRunners;
  clock: Clock;
  /** A person cancelled the execution; the reason is the signal's reason. */
  cancel: AbortSignal;
  /** The worker is stopping: re-runnable steps are interrupted, others finish, then the execution is handed back. */
  stop: AbortSignal;
  defaults: EngineDefaults;
  /** The SLO states the executor keeps from `slo.budget.changed`, read for conditions that refer to `slo`. None: every SLO is unknown. */
  sloStates?: () => Promise<SloState[]>;
}
