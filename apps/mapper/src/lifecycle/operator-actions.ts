import { AlertLifecycle } from '@firebreak/contracts';
import { AlertPatch, AlertRecord } from './alert-record';
import { Verdict, MachineSettings, OperatorAction } from './commands';
import { heldTime } from './alert-transition';
import { announce, cancelTimer, history, stateChanged } from './effects';

const later = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

const ALLOWED_FROM: Record<OperatorAction['type'], readonly AlertLifecycle[]> = {
  acknowledge: ['firing'],
  resolve: ['firing', 'acknowledged', 'silenced'],
};

/** Acknowledge and resolve by a person: announced, and the escalation timer cancelled. */
export function decideOperatorAction(
  stored: AlertRecord | null,
  command: OperatorAction,
  { now, maxClockSkewMs }: MachineSettings,
): Verdict {
  if (!stored) return { record: null, patch: {}, effects: [], outcome: 'refused', refused: { code: 'not_found' } };
  const allowed = ALLOWED_FROM[command.type];
  if (!allowed.includes(stored.status))
    return { record: stored, patch: {}, effects: [], outcome: 'refused', refused: { code: 'conflict', status: stored.status, allowed } };
  const { actor, note, sourceId } = command;
  const patch: AlertPatch =
    command.type === 'acknowledge'
      ? { status: 'acknowledged', acknowledgedBy: actor, acknowledgedAt: now, acknowledgeNote: note ?? null }
      : {
          status: 'resolved',
          resolvedBy: actor,
          resolvedAt: now,
          resolveNote: note ?? null,
          endsAt: now,
          silenceId: null,
          // A firing of this episode arriving later is older than this resolution: it stays resolved.
          // Ordered by the held time as trusted, so a far-future time stored once (a 9999 startsAt)
          // is not carried on and a later episode can still open. `now` is this replica's clock, not
          // the alert's stamp (which may be minutes ahead after a fast replica announced it).
          eventAt: later(heldTime(stored, maxClockSkewMs), now),
          eventReceivedAt: now,
        };
  const next: AlertRecord = { ...stored, ...patch, updatedAt: now };
  const kind = command.type === 'acknowledge' ? 'acknowledged' : 'resolved';
  const who = { actor, ...(note !== undefined ? { note } : {}) };
  // People hear of a resolution only for an alert they were told about (a silenced, never announced one stays quiet).
  const told = command.type === 'acknowledge' || stored.lastAnnouncedAt !== null;
  const effects = [
    cancelTimer(stored.fingerprint),
    ...(told ? [announce(kind, next, sourceId, { receivedAt: now, ...who })] : []),
    ...stateChanged(next, stored.status, next.status, sourceId, who),
    history({ fingerprint: stored.fingerprint, sourceId, action: kind, from: stored.status, to: next.status, actor, note }),
  ];
  return { record: next, patch, effects, outcome: kind };
}
