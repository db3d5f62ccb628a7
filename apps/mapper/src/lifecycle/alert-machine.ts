import { AlertRecord, withPatch } from './alert-record';
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
 *
 * The decision itself runs on `settings.now`, the replica's clock: acknowledge/resolve times, the
 * dedup window, escalation due times. Only what the decision announces and records is stamped with
 * `stampFor(stored, now)` (`Decision.at`). A stamp may run ahead of every clock (it is at least 1 ms
 * after the last one, whichever replica made that), so it must never leak into the decision: a
 * manual resolve ordered at a stamp 10 minutes ahead made every new Alertmanager episode of the next
 * 10 minutes stale for good (each re-send keeps its startsAt), and windows and timers measured from
 * stamps stayed as late as the fastest clock that ever touched the alert, even after NTP fixed it.
 */
export function decide(stored: AlertRecord | null, command: Command, settings: MachineSettings): Decision {
  const at = stampFor(stored, settings.now);
  const verdict = decideAt(stored, command, settings);
  return stamped(stored, verdict, at);
}

/** The fields a row older than `stamped_at` (NULL) has its last stamp among. */
type StampSource = Pick<AlertRecord, 'stampedAt'> &
  Partial<Pick<AlertRecord, 'updatedAt' | 'lastAnnouncedAt' | 'acknowledgedAt' | 'escalatedAt'>>;

/**
 * The time a change of the alert is stamped with: `now`, or 1 ms after the alert's last stamp when
 * that is later. Replicas' clocks differ; the notifier orders an alert's announcements by their
 * stamp and skips one older than what it already sent (a resolve after its firing). Per alert, this
 * keeps every stamp after the one before it whatever clock made either. Stamps order announcements,
 * state changes and history and nothing else (see `decide`), so how far ahead one runs is harmless:
 * no cap is needed, and a cap would break the strict order it exists for.
 *
 * A row from before the column (NULL, not backfilled: a full-table UPDATE would lock `alerts` for
 * the length of a rolling deploy) had its changes stamped with the replica's clock when they were
 * made: the greatest of those times is its last stamp. `resolved_at` is left out: it may be a
 * sender's endsAt (even 9999).
 */
export function stampFor(stored: StampSource | null, now: Date): Date {
  const last = stored ? lastStamp(stored) : null;
  const floor = last !== null ? last + 1 : Number.NEGATIVE_INFINITY;
  return now.getTime() >= floor ? now : new Date(floor);
}

function lastStamp(stored: StampSource): number | null {
  if (stored.stampedAt) return stored.stampedAt.getTime();
  const times = [stored.updatedAt, stored.lastAnnouncedAt, stored.acknowledgedAt, stored.escalatedAt].flatMap((time) =>
    time ? [time.getTime()] : [],
  );
  return times.length > 0 ? Math.max(...times) : null;
}

/** A decision that writes the alert or announces something records its stamp on the row. */
function stamped(stored: AlertRecord | null, verdict: Verdict, at: Date): Decision {
  const record = verdict.record;
  const changes =
    Object.keys(verdict.patch).length > 0 ||
    verdict.effects.some((effect) => effect.type === 'announce' || effect.type === 'state_changed');
  if (verdict.refused || !record || (stored && !changes)) return { ...verdict, at };
  return {
    ...verdict,
    record: withPatch(record, { stampedAt: at }),
    patch: stored ? { ...verdict.patch, stampedAt: at } : verdict.patch,
    at,
  };
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
