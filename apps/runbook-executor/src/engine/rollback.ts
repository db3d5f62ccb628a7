import { Runbook } from '../definitions/runbook.schema';
import { RollbackStep } from '../definitions/step.schemas';

/** Rollback steps to run: the interrupted step's own first (it may have half-applied), then the finished steps', newest first. */
export function rollbackQueue(runbook: Runbook, completed: string[], currentId?: string): string[] {
  const byId = new Map(runbook.steps.map((step) => [step.id, step]));
  const order = [...(currentId ? [currentId] : []), ...[...completed].reverse().filter((id) => id !== currentId)];
  return order.flatMap((id) => byId.get(id)?.rollback.map((undo) => undo.id) ?? []);
}

/** A rollback step by its id, wherever in the runbook it is declared. */
export function rollbackStep(runbook: Runbook, id: string): RollbackStep | undefined {
  for (const step of runbook.steps) for (const undo of step.rollback) if (undo.id === id) return undo;
  return undefined;
}
