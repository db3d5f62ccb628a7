import { AlertPatch, AlertRecord, withPatch } from './alert-record';
import { Verdict, MachineSettings, RunbookOutcomeReceived } from './commands';
import { announce, cancelTimer, count, Effect, history } from './effects';

/** Records how a requested runbook ended; a failure that asks for it escalates the alert, unless it is resolved. */
export function decideRunbookOutcome(stored: AlertRecord | null, command: RunbookOutcomeReceived, { now }: MachineSettings): Verdict {
  const { outcome, sourceId } = command;
  const recorded: Effect = {
    type: 'runbook_outcome',
    requestId: outcome.requestId,
    status: outcome.status,
    reason: outcome.reason,
    executionId: outcome.executionId,
  };
  if (!stored) return { record: null, patch: {}, effects: [recorded], outcome: 'recorded' };
  // A resolved alert is closed; its failed runbook is recorded, not escalated.
  const escalate = outcome.escalate && stored.status !== 'resolved';
  const runbook =
    stored.runbook?.requestId === outcome.requestId
      ? {
          ...stored.runbook,
          status: outcome.status,
          executionId: outcome.executionId,
          ...(outcome.reason ? { reason: outcome.reason } : {}),
          at: now.toISOString(),
        }
      : stored.runbook;
  const patch: AlertPatch = { runbook, ...(escalate ? { escalatedAt: now } : {}) };
  const next: AlertRecord = withPatch(stored, patch);
  const action = outcome.status === 'succeeded' ? 'runbook_succeeded' : 'runbook_failed';
  const { fingerprint: _fingerprint, ...details } = outcome;
  const effects: Effect[] = [
    recorded,
    history({
      fingerprint: stored.fingerprint,
      sourceId,
      action,
      from: stored.status,
      to: stored.status,
      details: { ...details, escalated: escalate },
    }),
  ];
  if (escalate) {
    const reason = `runbook ${outcome.runbookId} ${outcome.status}: ${outcome.reason ?? ''}`.trim();
    const announced = { id: outcome.runbookId, executionId: outcome.executionId, outcome: outcome.status };
    effects.push(
      announce('escalated', next, sourceId, { receivedAt: now, reason, runbook: announced }),
      cancelTimer(stored.fingerprint),
      count({ metric: 'escalated', reason: 'runbook_failed' }),
    );
  }
  return { record: next, patch, effects, outcome: escalate ? 'escalated' : 'recorded' };
}
