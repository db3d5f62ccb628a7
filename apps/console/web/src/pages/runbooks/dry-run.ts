import type { StepDefinition } from './types';

/**
 * What a dry run does with a step, by the executor's own rule (`notRunInMode` in
 * apps/runbook-executor/src/engine/step-rules.ts): nothing mutating runs, and a notify step pages
 * nobody unless it says `notifyInDrills: true`. A step whose `if` is false is skipped too, which only
 * the run itself can tell.
 */
export function dryRunFate(step: StepDefinition): string | null {
  if (step.mutating) return 'skipped: mutating step not run';
  if (step.uses === 'notify' && step.with?.notifyInDrills !== true) return 'skipped: would notify';
  if (step.uses === 'approval') return 'waits for an approval';
  return null;
}

export const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled', 'needs_attention', 'skipped', 'rejected', 'ineffective'];

/** An execution as `GET /api/v1/executions/:id` answers (`execution-views.ts`), the fields shown here. */
export interface ExecutionDetail {
  id: string;
  runbookId: string;
  mode: string;
  status: string;
  statusReason: string | null;
  steps: Array<{
    id: string;
    name: string | null;
    uses: string;
    rollback: boolean;
    outcome: string | null;
    attempts: Array<{ attempt: number; status: string; error: string | null; outputExcerpt: string | null }>;
  }>;
}

/**
 * Until it ends: a dry run of a short runbook takes a second or two. A failed read stops polling (the error
 * shows); waiting for a person's approval is slow, so it is checked every 5 s.
 */
export function pollEvery(queryStatus: 'pending' | 'error' | 'success', executionStatus: string | undefined): number | false {
  if (queryStatus === 'error') return false;
  if (executionStatus && TERMINAL.includes(executionStatus)) return false;
  return executionStatus === 'waiting_approval' ? 5000 : 1000;
}
