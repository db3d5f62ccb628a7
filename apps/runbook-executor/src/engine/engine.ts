import { abortError } from '@firebreak/platform';
import { truncate } from '../common/text';
import { ConditionError, evaluateCondition } from '../definitions/conditions';
import { isRerunnable } from '../definitions/runbook.schema';
import { refersToSlo, sloScopeOf } from '../definitions/slo-scope';
import { AnyStep, Step } from '../definitions/step.schemas';
import { renderText, TemplateScope } from '../definitions/template';
import { AttemptResult, backoffFor, runAttempt, stepTimeoutFor } from './attempt';
import { AttemptRecord, EngineOptions, EngineOutcome, EngineState, FinalOutcome } from './engine.types';
import { attemptRecord, needsApproval, notRunInMode } from './step-rules';
import { recoverInFlight } from './in-flight';
import { rollbackQueue, rollbackStep } from './rollback';

type StepEnd = 'next' | EngineOutcome;
type Finished = { result: AttemptResult; record?: AttemptRecord };

/**
 * Runs a runbook's steps from where its state says, one attempt at a time, writing the state with
 * every attempt so another worker can resume after a crash. Pure orchestration: steps, persistence
 * and time are injected.
 */
export class Engine {
  private readonly state: EngineState;
  private deadline = 0;
  private activeBase = 0;
  private runStart = 0;

  constructor(private readonly o: EngineOptions) {
    this.state = o.state;
  }

  async run(): Promise<EngineOutcome> {
    this.runStart = this.o.clock.now().getTime();
    this.activeBase = this.state.activeMs;
    this.deadline = this.runStart + (this.o.runbook.timeout ?? this.o.defaults.runbookTimeoutMs) - this.state.activeMs;
    if (this.state.inFlight) {
      // After a crash: the interrupted attempt's step runs again only if that cannot do harm twice.
      const halted = await recoverInFlight(this.o.runbook, this.state, this.o.clock, (attempt) =>
        this.o.store.record(this.touch(), attempt),
      );
      if (halted) return halted;
    }
    if (this.state.rollback) return this.continueRollback();
    return this.forward();
  }

  /** The state to write with the outcome, after run() returned (see ExecutionStore.defer). */
  closingState(): EngineState {
    return this.touch();
  }

  private async forward(): Promise<EngineOutcome> {
    const steps = this.o.runbook.steps;
    while (this.state.cursor < steps.length) {
      if (this.o.stop.aborted) return { status: 'released' };
      if (this.o.cancel.aborted) return this.cancelled(undefined);
      const step = steps[this.state.cursor];
      if (this.now() >= this.deadline)
        return { status: 'timed_out', reason: `the runbook timeout was reached before step ${step.id}`, escalate: false };
      const end = await this.runStep(step);
      if (end !== 'next') return end;
    }
    return { status: 'succeeded', reason: 'all steps finished', escalate: false };
  }

  private async runStep(step: Step): Promise<StepEnd> {
    let wanted: boolean;
    // Read now, not when the run began: a step after a long wait sees the SLO as it is. Outside the
    // try: Postgres being away is the executor's trouble (the run is recovered), not a false condition.
    const slo = step.if && refersToSlo(step.if) ? sloScopeOf((await this.o.sloStates?.()) ?? []) : undefined;
    try {
      wanted = step.if ? evaluateCondition(step.if, { ...this.scope(), slo }) : true;
    } catch (error) {
      const message = (error as ConditionError).message;
      return this.afterFailure(step, {
        result: { ok: false, error: message, retryable: false, outputs: {} },
        record: this.instant(step, 'failed', message),
      });
    }
    if (!wanted) return this.skip(step, 'condition is false');
    const notRunHere = notRunInMode(step, this.o.execution.mode);
    if (notRunHere) return this.skip(step, notRunHere);
    if (needsApproval(step, this.o.runbook, this.o.defaults)) {
      const gate = await this.approvalGate(step);
      if (gate !== 'approved') return gate;
      if (step.uses === 'approval')
        return this.succeed(step, { result: { ok: true, outputs: { approved: true } }, record: this.instant(step, 'succeeded') });
    }
    const finished = await this.attempts(step, false);
    return finished.result.ok ? this.succeed(step, finished) : this.afterFailure(step, finished);
  }

  private async approvalGate(step: Step): Promise<'approved' | EngineOutcome> {
    const status = await this.o.store.approvalStatus(step.id);
    switch (status) {
      case 'approved':
        return 'approved';
      case 'none': {
        const summary =
          step.uses === 'approval' && step.with.summary
            ? renderText(step.with.summary, this.scope())
            : `${this.o.runbook.title}: ${step.name ?? step.id}`;
        await this.o.store.requestApproval(this.touch(), step, truncate(summary, 1_000), this.instant(step, 'waiting_approval'));
        return { status: 'waiting_approval', stepId: step.id };
      }
      case 'pending':
        return { status: 'waiting_approval', stepId: step.id };
      case 'rejected':
        return { status: 'rejected', reason: `approval of step ${step.id} was rejected`, escalate: false };
      case 'expired':
        return { status: 'failed', reason: `approval of step ${step.id} expired`, escalate: true };
    }
  }

  private async skip(step: Step, reason: string): Promise<StepEnd> {
    this.state.steps[step.id] = { outcome: 'skipped', outputs: { skipped: reason } };
    this.state.cursor++;
    await this.o.store.record(this.touch(), this.instant(step, 'skipped', reason));
    return 'next';
  }

  private async succeed(step: Step, finished: Finished): Promise<StepEnd> {
    const outputs = finished.result.ok ? finished.result.outputs : {};
    this.state.steps[step.id] = { outcome: 'success', outputs };
    this.state.completed.push(step.id);
    this.state.cursor++;
    // One transaction less per step: written with the next step's start (or the run's end).
    if (finished.record) this.o.store.defer(finished.record);
    else await this.o.store.save(this.touch());
    return 'next';
  }

  private async afterFailure(step: Step, finished: Finished): Promise<StepEnd> {
    const result = finished.result as Extract<AttemptResult, { ok: false }>;
    if (result.interrupt === 'stop') {
      // Handed back before it finished: the step runs again on resume, so it has no outcome yet.
      await this.persist(finished.record);
      return { status: 'released' };
    }
    if (result.refused) {
      // A refusal is not a failed probe: no condition may read it as one, and the run stops whatever onFailure says.
      this.state.steps[step.id] = { outcome: 'refused', outputs: {}, error: result.error };
      await this.persist(finished.record);
      return this.fail(step, { status: 'failed', reason: `step ${step.id} ${result.error}`, escalate: true });
    }
    this.state.steps[step.id] = { outcome: 'failure', outputs: result.outputs, error: result.error };
    const reason = `step ${step.id} failed: ${result.error}`;
    if (result.interrupt === 'cancel') {
      await this.persist(finished.record);
      return this.cancelled(step);
    }
    if (result.interrupt === 'deadline') {
      await this.persist(finished.record);
      return this.fail(step, { status: 'timed_out', reason: `the runbook timeout was reached during step ${step.id}`, escalate: false });
    }
    switch (step.onFailure) {
      case 'continue':
        this.state.cursor++;
        await this.persist(finished.record);
        return 'next';
      case 'abort':
      case 'rollback':
        await this.persist(finished.record);
        return this.fail(step, { status: 'failed', reason, escalate: false });
      case 'escalate':
        await this.persist(finished.record);
        return this.fail(step, { status: 'failed', reason, escalate: true });
    }
  }

  /** Ends the run; when the failing step asks for it, its rollback and those of the finished steps run first. */
  private async fail(step: Step, outcome: FinalOutcome): Promise<EngineOutcome> {
    if (step.onFailure !== 'rollback') return outcome;
    this.state.rollback = { queue: this.rollbackQueue(step), failed: [], outcome };
    await this.o.store.save(this.touch());
    return this.continueRollback();
  }

  private async cancelled(current: Step | undefined): Promise<EngineOutcome> {
    const outcome: FinalOutcome = { status: 'cancelled', reason: abortError(this.o.cancel).message, escalate: false };
    if (this.o.runbook.onCancel !== 'rollback') return outcome;
    this.state.rollback = { queue: this.rollbackQueue(current), failed: [], outcome };
    await this.o.store.save(this.touch());
    return this.continueRollback();
  }

  private rollbackQueue(current: Step | undefined): string[] {
    return rollbackQueue(this.o.runbook, this.state.completed, current?.id);
  }

  private async continueRollback(): Promise<EngineOutcome> {
    const rollback = this.state.rollback!;
    while (rollback.queue.length > 0) {
      if (this.o.stop.aborted) return { status: 'released' };
      const step = rollbackStep(this.o.runbook, rollback.queue[0]);
      rollback.queue.shift();
      if (!step) continue;
      const notRunHere = notRunInMode(step, this.o.execution.mode);
      if (notRunHere) {
        await this.o.store.record(this.touch(), this.instant(step, 'skipped', notRunHere, true));
        continue;
      }
      const finished = await this.attempts(step, true);
      if (!finished.result.ok) rollback.failed.push(step.id);
      await this.persist(finished.record);
    }
    const outcome = { ...rollback.outcome };
    if (rollback.failed.length) {
      outcome.reason = `${outcome.reason}; rollback failed at ${rollback.failed.join(', ')}`;
      outcome.escalate = true;
    }
    return outcome;
  }

  /** Attempts of one step with retries and backoff. The last attempt's record is returned unsaved, to be written with the state change it causes. */
  private async attempts(step: AnyStep, rollback: boolean): Promise<Finished> {
    const key = rollback ? `rb:${step.id}` : step.id;
    const maxRetries = step.retries?.max ?? (isRerunnable(step) ? this.o.defaults.maxRetries : 0);
    for (let tries = 1; ; tries++) {
      const attempt = (this.state.attempts[key] ?? 0) + 1;
      this.state.attempts[key] = attempt;
      const startedAt = this.o.clock.now();
      this.state.inFlight = { stepId: step.id, attempt, rollback };
      await this.o.store.record(this.touch(), { stepId: step.id, stepType: step.uses, attempt, rollback, status: 'running', startedAt });
      const result = await runAttempt(
        this.o.runners[step.uses],
        { step, scope: this.scope(), execution: this.o.execution, attempt, clock: this.o.clock },
        {
          timeoutMs: stepTimeoutFor(step, this.o.defaults.stepTimeoutMs),
          deadlineMs: rollback ? Number.POSITIVE_INFINITY : this.deadline - this.now(),
        },
        { cancel: rollback ? undefined : this.o.cancel, stop: isRerunnable(step) ? this.o.stop : undefined },
        this.o.clock,
      );
      this.state.inFlight = undefined;
      const record = attemptRecord(step, attempt, rollback, startedAt, this.o.clock.now(), result);
      if (result.ok || !result.retryable || tries > maxRetries) return { result, record };
      await this.o.store.record(this.touch(), record);
      try {
        await this.o.clock.sleep(
          Math.min(backoffFor(step, tries), Math.max(0, this.deadline - this.now())),
          AbortSignal.any([this.o.cancel, this.o.stop]),
        );
      } catch {
        const interrupt = this.o.stop.aborted ? 'stop' : 'cancel';
        return {
          result: {
            ok: false,
            error: `${interrupt === 'stop' ? 'interrupted' : 'cancelled'} while waiting to retry`,
            retryable: false,
            interrupt,
            outputs: {},
          },
        };
      }
    }
  }

  private instant(step: AnyStep, status: AttemptRecord['status'], error?: string, rollback = false): AttemptRecord {
    const key = rollback ? `rb:${step.id}` : step.id;
    const attempt = (this.state.attempts[key] ?? 0) + 1;
    this.state.attempts[key] = attempt;
    const now = this.o.clock.now();
    return { stepId: step.id, stepType: step.uses, attempt, rollback, status, startedAt: now, finishedAt: now, durationMs: 0, error };
  }

  private async persist(record: AttemptRecord | undefined): Promise<void> {
    if (record) await this.o.store.record(this.touch(), record);
    else await this.o.store.save(this.touch());
  }

  private touch(): EngineState {
    this.state.activeMs = this.activeBase + (this.now() - this.runStart);
    return this.state;
  }

  private now(): number {
    return this.o.clock.now().getTime();
  }

  private scope(): TemplateScope {
    const steps = Object.fromEntries(Object.entries(this.state.steps).map(([id, s]) => [id, { outcome: s.outcome, outputs: s.outputs }]));
    return { ...this.o.scope, steps };
  }
}
