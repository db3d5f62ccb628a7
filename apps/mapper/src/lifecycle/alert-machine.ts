import { AlertRecord } from './alert-record';
import { Command, Decision, MachineSettings, Verdict } from './commands';
import { decideEscalationDue } from './escalation-due';
import { decideOperatorAction } from './operator-actions';
import { decideReceived } from './received';
import { decideRunbookOutcome } from './runbook-outcome';
import { decideSilenceApplied, decideSilenceLifted } from './silence-commands';

export type { Command, Decision, MachineSettings, OperatorAction, Received, Refusal, RunbookOutcome, Verdict } from './commands';
export type { Effect } from './effects';

/**
 * The alert lifecycle, in one pure function: the stored alert (or none) and a command give the
 * fields to write and the effects to perform (announcements, state changes, history, runbook
 * requests, escalation timers), as data. Nothing here reads or writes; `applyEffects` performs.
 * The decision is stamped with `stampFor(stored, settings.now)`.
 */
export function decide(stored: AlertRecord | null, command: Command, settings: MachineSettings): Decision {
  const at = stampFor(stored, settings.now);
  const verdict = decideAt(stored, command, { ...settings, now: at });
  return stamped(stored, verdict, at);
}

/**
 * The time a change of the alert is stamped with: `now`, or 1 ms after the alert's last stamp when
 * that is later. Replicas' clocks differ; the notifier orders an alert's announcements by their
 * stamp and skips one older than what it already sent (a resolve after its firing). Per alert, this
 * keeps every stamp after the one before it whatever clock made either.
 *
 * The dedup window and escalation due times are measured from these stamps too (one clock per
 * alert): an elapsed time is never negative, and a replica whose clock runs ahead pushes the alert's
 * later stamps ahead with it, so a window is never cut short by it; one whose clock is behind can
 * shorten a window or a delay by at most the clocks' difference, and a timer still fires once (its
 * row is claimed and deleted). Postgres `now()` would be one clock for all, but it cannot be moved
 * by the `Clock` every time-dependent test drives, and ordering (what loses a resolve) does not
 * need it.
 */
export function stampFor(stored: Pick<AlertRecord, 'stampedAt'> | null, now: Date): Date {
  const floor = stored?.stampedAt ? stored.stampedAt.getTime() + 1 : Number.NEGATIVE_INFINITY;
  return now.getTime() >= floor ? now : new Date(floor);
}

/** A decision that writes the alert or announces something records its stamp on the row. */
function stamped(stored: AlertRecord | null, verdict: Verdict, at: Date): Decision {
  const record = verdict.record;
  const changes =
    Object.keys(verdict.patch).length > 0 ||
    verdict.effects.some((effect) => effect.type === 'announce' || effect.type === 'state_changed');
  if (verdict.refused || !record || (stored && !changes)) return { ...verdict, at };
  return { ...verdict, record: { ...record, stampedAt: at }, patch: stored ? { ...verdict.patch, stampedAt: at } : verdict.patch, at };
}

function decideAt(stored: AlertRecord | null, command: Command, settings: MachineSettings): Verdict {
  switch (command.type) {
    case 'received':
      return decideReceived(stored, command, settings);
    case 'acknowledge':
    case 'resolve':
      return decideOperatorAction(stored, command, settings);
    case 'silence_applied':
      return decideSilenceApplied(stored, command);
    case 'silence_lifted':
      return decideSilenceLifted(stored, command, settings);
    case 'escalation_due':
      return decideEscalationDue(stored, command, settings);
    case 'runbook_outcome':
      return decideRunbookOutcome(stored, command, settings);
  }
}
