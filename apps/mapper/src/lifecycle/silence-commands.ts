import { AlertPatch, AlertRecord, withPatch } from './alert-record';
import { unsilencedAnnouncement } from './alert-transition';
import { Verdict, MachineSettings, SilenceApplied, SilenceLifted, unchanged } from './commands';
import { announce, cancelTimer, Effect, history, stateChanged } from './effects';
import { firingAnnouncement, planRunbook } from './first-announcement';

/** A silence starting: a firing alert it matches turns silenced and its escalation stops. An acknowledged alert has an owner and stays as it is. */
export function decideSilenceApplied(stored: AlertRecord | null, command: SilenceApplied): Verdict {
  if (stored?.status !== 'firing') return unchanged(stored, 'ignored');
  const { silenceId, sourceId } = command;
  const patch: AlertPatch = { status: 'silenced', silenceId };
  const effects = [
    ...stateChanged(stored, 'firing', 'silenced', sourceId),
    history({ fingerprint: stored.fingerprint, sourceId, action: 'silenced', from: 'firing', to: 'silenced', details: { silenceId } }),
    cancelTimer(stored.fingerprint),
  ];
  return { record: withPatch(stored, patch), patch, effects, outcome: 'silenced' };
}

/**
 * The silence holding the alert ended: another silence takes it over, or it fires again, announced
 * as if the silence had never been (a first firing if nobody was told, else a repeat outside the window).
 */
export function decideSilenceLifted(stored: AlertRecord | null, command: SilenceLifted, settings: MachineSettings): Verdict {
  if (stored?.status !== 'silenced' || stored.silenceId !== command.silenceId) return unchanged(stored, 'ignored');
  const { silenceId, sourceId, replacementId } = command;
  if (replacementId !== null) {
    const entry = {
      fingerprint: stored.fingerprint,
      sourceId,
      action: 'silence_changed',
      from: 'silenced' as const,
      to: 'silenced' as const,
      details: { from: silenceId, to: replacementId },
    };
    const patch: AlertPatch = { silenceId: replacementId };
    return { record: withPatch(stored, patch), patch, effects: [history(entry)], outcome: 'silence_changed' };
  }
  const { now } = settings;
  let patch: AlertPatch = { status: 'firing', silenceId: null };
  const kind = unsilencedAnnouncement(stored.lastAnnouncedAt, settings);
  const effects: Effect[] = [];
  if (kind === 'firing') {
    const unsilenced: AlertRecord = withPatch(stored, patch);
    const runbook = unsilenced.runbook ?? (command.mapping ? planRunbook(command.mapping, sourceId, settings) : null);
    const newRequest = runbook !== null && unsilenced.runbook === null;
    effects.push(...firingAnnouncement({ ...unsilenced, runbook }, sourceId, now, newRequest, command.escalateAfterMs));
    patch = { ...patch, lastAnnouncedAt: now, runbook };
  } else if (kind === 'repeat') {
    effects.push(announce('repeat', withPatch(stored, patch), sourceId, { receivedAt: now }));
    patch = { ...patch, lastAnnouncedAt: now };
  }
  effects.push(
    ...stateChanged(stored, 'silenced', 'firing', sourceId),
    history({
      fingerprint: stored.fingerprint,
      sourceId,
      action: 'unsilenced',
      from: 'silenced',
      to: 'firing',
      details: { silenceId, announced: kind },
    }),
  );
  return { record: withPatch(stored, patch), patch, effects, outcome: 'unsilenced' };
}
