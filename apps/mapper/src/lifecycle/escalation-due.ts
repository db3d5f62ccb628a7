import ms from 'ms';
import { AlertPatch, AlertRecord, withPatch } from './alert-record';
import { Verdict, EscalationDue, MachineSettings, unchanged } from './commands';
import { announce, cancelTimer, count, history } from './effects';

/** The timer fires once: it is deleted whatever the alert's state, and only a still firing alert is escalated. */
export function decideEscalationDue(stored: AlertRecord | null, command: EscalationDue, { now }: MachineSettings): Verdict {
  if (!stored) return unchanged(null, 'ignored');
  // Ack, resolve and silence delete the timer; this only guards against a manual edit.
  if (stored.status !== 'firing') return unchanged(stored, 'ignored', [cancelTimer(stored.fingerprint)]);
  const { sourceId, delayMs } = command;
  const reason = `unacknowledged for ${ms(delayMs, { long: true })} (${stored.severity})`;
  const patch: AlertPatch = { escalatedAt: now };
  const next: AlertRecord = withPatch(stored, patch);
  const current = stored.runbook;
  const runbook = current
    ? { id: current.id, ...(current.executionId ? { executionId: current.executionId } : {}), outcome: current.status }
    : undefined;
  const effects = [
    announce('escalated', next, sourceId, { receivedAt: now, reason, runbook }),
    history({ fingerprint: stored.fingerprint, sourceId, action: 'escalated', from: 'firing', to: 'firing', details: { reason, delayMs } }),
    count({ metric: 'escalated', reason: 'unacknowledged' }),
    cancelTimer(stored.fingerprint),
  ];
  return { record: next, patch, effects, outcome: 'escalated' };
}
