import { abortError, Clock } from '@firebreak/platform';
import { formatDuration } from '../common/duration';
import { storable } from '@firebreak/platform';
import { truncate } from '../common/text';
import { ConditionError } from '../definitions/conditions';
import { RefusedError } from '../definitions/refusal';
import { AnyStep } from '../definitions/step.schemas';
import { StepResult, StepRunContext, StepRunner } from './engine.types';
import { StepFailure } from './step-failure';

export type InterruptKind = 'cancel' | 'stop' | 'timeout' | 'deadline';

/** Why an attempt was aborted from outside the step. */
export class Interrupt extends Error {
  constructor(
    readonly kind: InterruptKind,
    message: string,
  ) {
    super(message);
    this.name = 'Interrupt';
  }
}

export type AttemptResult =
  | ({ ok: true } & StepResult)
  | {
      ok: false;
      error: string;
      retryable: boolean;
      interrupt?: InterruptKind;
      refused?: string;
      outputs: Record<string, unknown>;
      excerpt?: string;
    };

export interface AttemptSignals {
  cancel?: AbortSignal;
  /** Only passed for steps that are safe to interrupt and run again. */
  stop?: AbortSignal;
}

function listen(signal: AbortSignal | undefined, kind: InterruptKind, controller: AbortController): () => void {
  if (!signal) return () => undefined;
  const onAbort = () =>
    controller.abort(
      new Interrupt(kind, kind === 'cancel' ? `cancelled: ${abortError(signal).message}` : 'interrupted: the executor is stopping'),
    );
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function classify(error: unknown): Extract<AttemptResult, { ok: false }> {
  const message = truncate(error instanceof Error ? error.message : String(error), 2_000);
  if (error instanceof Interrupt)
    return { ok: false, error: message, retryable: error.kind === 'timeout', interrupt: error.kind, outputs: {} };
  if (error instanceof RefusedError) return { ok: false, error: message, retryable: false, refused: error.rule, outputs: {} };
  if (error instanceof StepFailure)
    return { ok: false, error: message, retryable: error.retryable, outputs: error.outputs, excerpt: error.excerpt };
  if (error instanceof ConditionError) return { ok: false, error: message, retryable: false, outputs: {} };
  return { ok: false, error: message, retryable: true, outputs: {} };
}

/**
 * One attempt of one step, bounded by its timeout (and the runbook's deadline), stopped at once by
 * a cancel. A runner that ignores its signal cannot hold the engine: the race ends on abort.
 */
export async function runAttempt(
  runner: StepRunner,
  ctx: Omit<StepRunContext, 'signal' | 'timeoutMs'>,
  limits: { timeoutMs: number; deadlineMs: number },
  signals: AttemptSignals,
  clock: Clock,
): Promise<AttemptResult> {
  const controller = new AbortController();
  const byDeadline = limits.deadlineMs < limits.timeoutMs;
  const timeoutMs = Math.max(0, Math.min(limits.timeoutMs, limits.deadlineMs));
  const unlisten = [listen(signals.cancel, 'cancel', controller), listen(signals.stop, 'stop', controller)];
  void clock.sleep(timeoutMs, controller.signal).then(
    () =>
      controller.abort(
        new Interrupt(
          byDeadline ? 'deadline' : 'timeout',
          byDeadline ? 'the runbook timeout was reached' : `timed out after ${formatDuration(timeoutMs)}`,
        ),
      ),
    () => undefined,
  );
  const aborted = new Promise<never>((_, reject) => {
    if (controller.signal.aborted) reject(abortError(controller.signal));
    controller.signal.addEventListener('abort', () => reject(abortError(controller.signal)), { once: true });
  });
  aborted.catch(() => undefined);
  try {
    const running = runner.run({ ...ctx, signal: controller.signal, timeoutMs });
    running.catch(() => undefined);
    const result = await Promise.race([running, aborted]);
    // Outputs, excerpts and errors carry what a target sent: stored cleaned, so the write cannot fail.
    return storable({ ok: true, ...result });
  } catch (error) {
    return storable(classify(error));
  } finally {
    for (const remove of unlisten) remove();
    if (!controller.signal.aborted) controller.abort(new Error('attempt finished'));
  }
}

export function backoffFor(step: AnyStep, retry: number): number {
  const policy = step.retries ?? { backoff: 1_000, factor: 2, maxBackoff: 60_000 };
  return Math.min(policy.maxBackoff, policy.backoff * policy.factor ** (retry - 1));
}

export function stepTimeoutFor(step: AnyStep, defaultMs: number): number {
  if (step.timeout) return step.timeout;
  if (step.uses === 'wait') return step.with.duration + defaultMs;
  if (step.uses === 'prometheus') return (step.with.holdFor ?? 0) + defaultMs;
  return defaultMs;
}
