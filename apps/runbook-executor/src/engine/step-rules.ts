import { ExecutionMode } from '@firebreak/contracts';
import { isMutating } from '../definitions/runbook.schema';
import { AnyStep, Step } from '../definitions/step.schemas';
import { AttemptResult } from './attempt';
import { AttemptRecord, EngineOptions } from './engine.types';

// Pure rules of the engine (engine.ts): which steps wait for a person, which are skipped in drills and dry
// runs, and what an attempt's record says.

/** An approval step, a mutating step of an approval-mode runbook, or a high-risk step where approvals are required. */
export function needsApproval(step: Step, runbook: EngineOptions['runbook'], defaults: EngineOptions['defaults']): boolean {
  if (step.uses === 'approval') return true;
  if (runbook.mode === 'approval' && isMutating(step)) return true;
  return step.risk === 'high' && defaults.approvalRequired;
}

/**
 * Why a step (or a rollback step) is skipped in a drill or dry run, or undefined when it runs: nothing
 * mutating runs, and nobody is paged unless the notify step asks to (`notifyInDrills: true`).
 */
export function notRunInMode(step: AnyStep, mode: ExecutionMode): string | undefined {
  if (mode === 'live') return undefined;
  if (isMutating(step)) return `${mode}: mutating step not run`;
  if (step.uses === 'notify' && !step.with.notifyInDrills) return `${mode}: would notify`;
  return undefined;
}

/** The record of one finished attempt. */
export function attemptRecord(
  step: AnyStep,
  attempt: number,
  rollback: boolean,
  startedAt: Date,
  finishedAt: Date,
  result: AttemptResult,
): AttemptRecord {
  const base = {
    stepId: step.id,
    stepType: step.uses,
    attempt,
    rollback,
    startedAt,
    finishedAt,
    durationMs: finishedAt.getTime() - startedAt.getTime(),
  };
  if (result.ok) return { ...base, status: 'succeeded', excerpt: result.excerpt, events: result.events };
  const status = result.interrupt === 'cancel' || result.interrupt === 'stop' ? 'cancelled' : 'failed';
  return {
    ...base,
    status,
    error: result.error,
    excerpt: result.excerpt,
    refused: result.refused ? { rule: result.refused } : undefined,
  };
}
