import type { Clock } from '@firebreak/platform';
import { isRerunnable, Runbook } from '../definitions/runbook.schema';
import { AnyStep } from '../definitions/step.schemas';
import { AttemptRecord, EngineOutcome, EngineState } from './engine.types';
import { rollbackStep } from './rollback';

/**
 * What to do with the attempt a stopped worker left in flight (`state.inFlight`, cleared here): a step that may run
 * again (not mutating, or idempotent) is recorded as interrupted and runs again, queued first again when it was a
 * rollback step; any other is recorded as interrupted and the run needs a person, as it may have done its harm.
 * `record` writes the interrupted attempt with the state (the engine's store).
 */
export async function recoverInFlight(
  runbook: Runbook,
  state: EngineState,
  clock: Pick<Clock, 'now'>,
  record: (attempt: AttemptRecord) => Promise<void>,
): Promise<EngineOutcome | undefined> {
  const inFlight = state.inFlight!;
  const step: AnyStep | undefined = inFlight.rollback
    ? rollbackStep(runbook, inFlight.stepId)
    : runbook.steps.find((s) => s.id === inFlight.stepId);
  state.inFlight = undefined;
  const base = {
    stepId: inFlight.stepId,
    stepType: step?.uses ?? 'wait',
    attempt: inFlight.attempt,
    rollback: inFlight.rollback,
    startedAt: clock.now(),
    finishedAt: clock.now(),
  };
  if (step && isRerunnable(step)) {
    await record({
      ...base,
      status: 'failed',
      error: 'interrupted: the executor stopped during this attempt; running it again (it is not mutating or is idempotent)',
    });
    if (inFlight.rollback && state.rollback) state.rollback.queue.unshift(step.id);
    return undefined;
  }
  const reason = `step ${inFlight.stepId} was running when the executor stopped; it is mutating and not idempotent, so it is not run again`;
  await record({ ...base, status: 'failed', error: `interrupted: ${reason}` });
  return { status: 'needs_attention', reason, escalate: true };
}
