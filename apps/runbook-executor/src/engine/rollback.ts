import { Runbook } from '../definitions/runbook.schema';

/** Rollback steps to run: the interrupted step's own first (it may have half-applied), then the finished steps', newest first. */
export function rollbackQueue(runbook: Runbook, completed: string[], currentId?: string): string[] {
  const byId = new Map(runbook.steps.map((step) => [step.id, step]));
  const order = [...(currentId ? [currentId] : []), ...[...completed].reverse().filter((id) => id !== currentId)];
  return order.flatMap((id) => byId.get(id)?.rollback.map((undo) => undo.id) ?? []);
}
