import { AlertLifecycle, labelValue } from '@firebreak/contracts';
import { AlertPatch, AlertRecord, NO_HANDLING } from './alert-record';
import { IncomingState, Transition, transitionFor } from './alert-transition';
import { Decision, MachineSettings, Received } from './commands';
import { announce, cancelTimer, count, Effect, history, stateChanged } from './effects';
import { firingAnnouncement, planRunbook } from './first-announcement';

type Of<K extends Transition['type']> = Extract<Transition, { type: K }>;

const later = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

/** An alerts.received event: which transition it is (alert-transition.ts), and what that writes and does. */
export function decideReceived(stored: AlertRecord | null, command: Received, settings: MachineSettings): Decision {
  const incoming = incomingOf(command);
  const transition = transitionFor(stored, incoming, {
    now: settings.now,
    dedupWindowMs: settings.dedupWindowMs,
    silenced: command.silenceId !== null,
    episodeByStartsAt: command.source === 'alertmanager',
  });
  const receipt: Receipt = { command, incoming, settings };
  switch (transition.type) {
    case 'open':
      return open(stored, transition, receipt);
    case 'repeat':
      return repeat(existing(stored), transition, receipt);
    case 'close':
      return close(existing(stored), transition, receipt);
    case 'record_resolved':
      return recordResolved(stored, receipt);
    case 'stale':
      return stale(existing(stored), transition, receipt);
  }
}

/** The event with its times parsed, and the settings it is decided with. */
interface Receipt {
  command: Received;
  incoming: IncomingState;
  settings: MachineSettings;
}

function incomingOf({ alert, receivedAt }: Received): IncomingState {
  return { status: alert.status, startsAt: new Date(alert.startsAt), endsAt: alert.endsAt ? new Date(alert.endsAt) : null, receivedAt };
}

function existing(stored: AlertRecord | null): AlertRecord {
  if (!stored) throw new Error('this transition needs a stored alert');
  return stored;
}

function alertFields({ alert, source }: Received) {
  return {
    alertname: labelValue(alert.labels, 'alertname'),
    severity: alert.severity,
    source,
    labels: alert.labels,
    annotations: alert.annotations,
    generatorURL: alert.generatorURL,
  };
}

function firstSighting({ command, incoming, settings }: Receipt): AlertRecord {
  const at = incoming.receivedAt;
  return {
    fingerprint: command.alert.fingerprint,
    ...alertFields(command),
    status: 'firing',
    startsAt: incoming.startsAt,
    endsAt: null,
    eventAt: incoming.startsAt,
    eventReceivedAt: at,
    firstSeen: at,
    lastSeen: at,
    occurrences: 0,
    lastAnnouncedAt: null,
    silenceId: null,
    ...NO_HANDLING,
    runbook: null,
    updatedAt: settings.now,
  };
}

function open(stored: AlertRecord | null, transition: Of<'open'>, receipt: Receipt): Decision {
  const { command, incoming, settings } = receipt;
  const announced = transition.announce === 'firing';
  const runbook = announced && command.mapping ? planRunbook(command.mapping, command.sourceId, settings) : null;
  const base = stored ?? firstSighting(receipt);
  const patch: AlertPatch = {
    ...alertFields(command),
    status: transition.to,
    startsAt: incoming.startsAt,
    endsAt: null,
    eventAt: incoming.startsAt,
    eventReceivedAt: incoming.receivedAt,
    lastSeen: later(base.lastSeen, incoming.receivedAt),
    occurrences: base.occurrences + 1,
    lastAnnouncedAt: announced ? settings.now : null,
    silenceId: command.silenceId,
    ...NO_HANDLING,
    runbook,
  };
  const next: AlertRecord = { ...base, ...patch };
  const from = stored?.status ?? null;
  const effects: Effect[] = [...stateChanged(next, from, transition.to, command.sourceId)];
  if (announced)
    effects.push(...firingAnnouncement(next, command.sourceId, incoming.receivedAt, runbook !== null, command.escalateAfterMs));
  else if (stored) effects.push(cancelTimer(next.fingerprint));
  if (transition.to === 'silenced') effects.push(count({ metric: 'silenced' }));
  effects.push(
    history({
      fingerprint: next.fingerprint,
      sourceId: command.sourceId,
      action: stored ? 'reopened' : 'opened',
      from,
      to: transition.to,
      details: { startsAt: incoming.startsAt, announced: transition.announce, silenceId: next.silenceId, runbook },
    }),
  );
  return { record: next, patch, effects, outcome: 'open' };
}

function repeat(stored: AlertRecord, transition: Of<'repeat'>, { command, incoming, settings }: Receipt): Decision {
  const { sourceId, alert, mapping } = command;
  const newer = incoming.receivedAt.getTime() > stored.eventReceivedAt.getTime();
  let patch: AlertPatch = {
    status: transition.to,
    occurrences: stored.occurrences + 1,
    lastSeen: later(stored.lastSeen, incoming.receivedAt),
    silenceId: transition.to === 'silenced' ? (command.silenceId ?? stored.silenceId) : null,
    // Annotations may change while an alert fires (a value in the description): keep the latest.
    ...(newer ? { annotations: alert.annotations, generatorURL: alert.generatorURL, eventReceivedAt: incoming.receivedAt } : {}),
  };
  const kind = transition.announce;
  const runbook = kind === 'firing' && !stored.runbook && mapping ? planRunbook(mapping, sourceId, settings) : stored.runbook;
  if (kind) patch = { ...patch, lastAnnouncedAt: settings.now, runbook };
  const next: AlertRecord = { ...stored, ...patch };
  const effects: Effect[] = [...stateChanged(next, stored.status, transition.to, sourceId)];
  if (kind === 'firing')
    effects.push(...firingAnnouncement(next, sourceId, incoming.receivedAt, runbook !== stored.runbook, command.escalateAfterMs));
  else if (kind) effects.push(announce(kind, next, sourceId, { receivedAt: incoming.receivedAt }));
  if (transition.to === 'silenced') effects.push(count({ metric: 'silenced' }));
  if (transition.to === 'silenced' && stored.status !== 'silenced') effects.push(cancelTimer(next.fingerprint));
  const action = repeatAction(stored.status, transition.to, kind !== null);
  if (action)
    effects.push(
      history({
        fingerprint: next.fingerprint,
        sourceId,
        action,
        from: stored.status,
        to: transition.to,
        details: { announced: kind, silenceId: next.silenceId },
      }),
    );
  if (transition.deduplicated) effects.push(count({ metric: 'deduplicated' }));
  return { record: next, patch, effects, outcome: 'repeat' };
}

/** A repeat is history only when it moved the alert or was announced; plain dedup is just counted. */
function repeatAction(from: AlertLifecycle, to: AlertLifecycle, announced: boolean): string | null {
  if (from !== 'silenced' && to === 'silenced') return 'silenced';
  if (from === 'silenced' && to !== 'silenced') return 'unsilenced';
  return announced ? 'repeat_announced' : null;
}

function close(stored: AlertRecord, transition: Of<'close'>, { command, incoming }: Receipt): Decision {
  const { sourceId } = command;
  const endsAt = incoming.endsAt ?? incoming.receivedAt;
  const patch: AlertPatch = {
    status: 'resolved',
    annotations: command.alert.annotations,
    startsAt: later(stored.startsAt, incoming.startsAt),
    endsAt,
    eventAt: endsAt,
    eventReceivedAt: incoming.receivedAt,
    lastSeen: later(stored.lastSeen, incoming.receivedAt),
    silenceId: null,
    resolvedBy: `source:${command.source}`,
    resolvedAt: endsAt,
    resolveNote: null,
  };
  const next: AlertRecord = { ...stored, ...patch };
  const effects: Effect[] = [...stateChanged(next, stored.status, 'resolved', sourceId), cancelTimer(next.fingerprint)];
  if (transition.announce) effects.push(announce('resolved', next, sourceId, { receivedAt: incoming.receivedAt }));
  effects.push(
    history({
      fingerprint: next.fingerprint,
      sourceId,
      action: 'resolved',
      from: stored.status,
      to: 'resolved',
      actor: next.resolvedBy ?? undefined,
      details: { endsAt, announced: transition.announce },
    }),
  );
  return { record: next, patch, effects, outcome: 'close' };
}

function recordResolved(stored: AlertRecord | null, receipt: Receipt): Decision {
  const { command, incoming } = receipt;
  const endsAt = incoming.endsAt ?? incoming.receivedAt;
  const base = stored ?? { ...firstSighting(receipt), occurrences: 1 };
  const patch: AlertPatch = {
    status: 'resolved',
    startsAt: later(base.startsAt, incoming.startsAt),
    endsAt,
    eventAt: endsAt,
    eventReceivedAt: incoming.receivedAt,
    lastSeen: later(base.lastSeen, incoming.receivedAt),
    ...(stored ? {} : { resolvedBy: `source:${command.source}`, resolvedAt: endsAt }),
  };
  const next: AlertRecord = { ...base, ...patch };
  const reason = stored ? 'a later resolution of an alert already resolved' : 'first seen resolved; nobody was told it fired';
  const effects: Effect[] = [
    ...stateChanged(next, stored?.status ?? null, 'resolved', command.sourceId),
    history({
      fingerprint: next.fingerprint,
      sourceId: command.sourceId,
      action: stored ? 'resolution_updated' : 'recorded_resolved',
      from: stored?.status ?? null,
      to: 'resolved',
      details: { endsAt, reason },
    }),
  ];
  return { record: next, patch, effects, outcome: 'record_resolved' };
}

function stale(stored: AlertRecord, transition: Of<'stale'>, { command, incoming }: Receipt): Decision {
  const entry = {
    fingerprint: stored.fingerprint,
    sourceId: command.sourceId,
    action: 'stale_ignored',
    from: stored.status,
    to: stored.status,
    details: {
      reason: transition.reason,
      status: incoming.status,
      startsAt: incoming.startsAt,
      endsAt: incoming.endsAt,
      receivedAt: incoming.receivedAt,
    },
  };
  return { record: stored, patch: {}, effects: [history(entry), count({ metric: 'stale' })], outcome: 'stale' };
}
