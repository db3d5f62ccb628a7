import { AlertLifecycle, labelValue } from '@firebreak/contracts';
import { AlertPatch, AlertRecord, withPatch } from './alert-record';
import { heldTimeOf, IncomingState, isClamped, orderingField, Transition, transitionFor } from './alert-transition';
import { MachineSettings, Received, Verdict } from './commands';
import { announce, cancelTimer, count, Effect, history, stateChanged } from './effects';
import { firingAnnouncement, planRunbook } from './first-announcement';

type Of<K extends Transition['type']> = Extract<Transition, { type: K }>;

const later = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

/** An alerts.received event: which transition it is (alert-transition.ts), and what that writes and does. */
export function decideReceived(stored: AlertRecord | null, command: Received, settings: MachineSettings): Verdict {
  const incoming = incomingOf(command);
  const transition = transitionFor(stored, incoming, {
    now: settings.now,
    dedupWindowMs: settings.dedupWindowMs,
    silenced: command.silenceId !== null,
    episodeByStartsAt: command.source === 'alertmanager',
    maxClockSkewMs: settings.maxClockSkewMs,
  });
  const receipt: Receipt = {
    command,
    incoming,
    settings,
    orderedAt: heldTimeOf(incoming, settings.maxClockSkewMs),
    skew: skewOf(incoming, settings),
  };
  const verdict = decideTransition(stored, transition, receipt);
  if (!receipt.skew) return verdict;
  // Counted whatever the transition; written down with the history entry the event leaves (a plain
  // deduplicated repeat leaves none: its clamped time decided nothing, it only counts).
  const effects = verdict.effects.map((effect) =>
    effect.type === 'history' ? history({ ...effect.entry, details: { ...effect.entry.details, clockSkew: receipt.skew } }) : effect,
  );
  return { ...verdict, effects: [...effects, count({ metric: 'clock_skew_clamped', field: receipt.skew.field })] };
}

function decideTransition(stored: AlertRecord | null, transition: Transition, receipt: Receipt): Verdict {
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

/** A sender's time further than the allowed skew past its receipt: what was sent, and what it was ordered as. */
interface ClockSkew {
  field: 'startsAt' | 'endsAt';
  sent: string;
  orderedAs: string;
}

function skewOf(incoming: IncomingState, settings: MachineSettings): ClockSkew | null {
  // A resolution without endsAt is ordered by its receipt: there is no sender's time to distrust.
  if (incoming.status === 'resolved' && !incoming.endsAt) return null;
  if (!isClamped(incoming, settings.maxClockSkewMs)) return null;
  const field = orderingField(incoming);
  const sent = field === 'endsAt' ? incoming.endsAt : incoming.startsAt;
  if (!sent) return null;
  // Held as its receipt (what eventAt stores); compared on arrival as receipt + skew (`orderingTime`).
  return { field, sent: sent.toISOString(), orderedAs: heldTimeOf(incoming, settings.maxClockSkewMs).toISOString() };
}

/** The event with its times parsed, and the settings it is decided with. */
interface Receipt {
  command: Received;
  incoming: IncomingState;
  settings: MachineSettings;
  /** The event's own time as the alert holds it (`heldTimeOf`): what `eventAt` stores. */
  orderedAt: Date;
  skew: ClockSkew | null;
}

function incomingOf({ alert, receivedAt }: Received): IncomingState {
  return { status: alert.status, startsAt: new Date(alert.startsAt), endsAt: alert.endsAt ? new Date(alert.endsAt) : null, receivedAt };
}

function existing(stored: AlertRecord | null): AlertRecord {
  if (!stored) throw new Error('this transition needs a stored alert');
  return stored;
}

function firstSighting({ command, incoming, settings, orderedAt }: Receipt): AlertRecord {
  const at = incoming.receivedAt;
  const { alert, source } = command;
  return {
    fingerprint: alert.fingerprint,
    alertname: labelValue(alert.labels, 'alertname'),
    severity: alert.severity,
    source,
    labels: alert.labels,
    annotations: alert.annotations,
    generatorURL: alert.generatorURL,
    status: 'firing',
    startsAt: incoming.startsAt,
    endsAt: null,
    eventAt: orderedAt,
    eventReceivedAt: at,
    firstSeen: at,
    lastSeen: at,
    occurrences: 0,
    lastAnnouncedAt: null,
    silenceId: null,
    acknowledgedBy: null,
    acknowledgedAt: null,
    acknowledgeNote: null,
    resolvedBy: null,
    resolvedAt: null,
    resolveNote: null,
    escalatedAt: null,
    runbook: null,
    stampedAt: settings.now,
    updatedAt: settings.now,
  };
}

function open(stored: AlertRecord | null, transition: Of<'open'>, receipt: Receipt): Verdict {
  const { command, incoming, settings, orderedAt } = receipt;
  const announced = transition.announce === 'firing';
  const runbook = announced && command.mapping ? planRunbook(command.mapping, command.sourceId, settings) : null;
  const base = stored ?? firstSighting(receipt);
  const { alert, source } = command;
  const patch: AlertPatch = {
    alertname: labelValue(alert.labels, 'alertname'),
    severity: alert.severity,
    source,
    labels: alert.labels,
    annotations: alert.annotations,
    generatorURL: alert.generatorURL,
    status: transition.to,
    startsAt: incoming.startsAt,
    endsAt: null,
    eventAt: orderedAt,
    eventReceivedAt: incoming.receivedAt,
    lastSeen: later(base.lastSeen, incoming.receivedAt),
    occurrences: base.occurrences + 1,
    lastAnnouncedAt: announced ? settings.now : null,
    silenceId: command.silenceId,
    // A new episode: who handled the last one is forgotten (NO_HANDLING, written out: spreads cost, see `withPatch`).
    acknowledgedBy: null,
    acknowledgedAt: null,
    acknowledgeNote: null,
    resolvedBy: null,
    resolvedAt: null,
    resolveNote: null,
    escalatedAt: null,
    runbook,
  };
  const next = withPatch(base, patch);
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

function repeat(stored: AlertRecord, transition: Of<'repeat'>, { command, incoming, settings }: Receipt): Verdict {
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
  const next = withPatch(stored, patch);
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

function close(stored: AlertRecord, transition: Of<'close'>, { command, incoming, orderedAt }: Receipt): Verdict {
  const { sourceId } = command;
  const endsAt = incoming.endsAt ?? incoming.receivedAt;
  const patch: AlertPatch = {
    status: 'resolved',
    annotations: command.alert.annotations,
    startsAt: later(stored.startsAt, incoming.startsAt),
    endsAt,
    eventAt: orderedAt,
    eventReceivedAt: incoming.receivedAt,
    lastSeen: later(stored.lastSeen, incoming.receivedAt),
    silenceId: null,
    resolvedBy: `source:${command.source}`,
    // When it was resolved as far as Firebreak trusts the sender (endsAt keeps what was sent).
    resolvedAt: orderedAt,
    resolveNote: null,
  };
  const next = withPatch(stored, patch);
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

function recordResolved(stored: AlertRecord | null, receipt: Receipt): Verdict {
  const { command, incoming, orderedAt } = receipt;
  const endsAt = incoming.endsAt ?? incoming.receivedAt;
  const base = stored ?? { ...firstSighting(receipt), occurrences: 1 };
  const patch: AlertPatch = {
    status: 'resolved',
    startsAt: later(base.startsAt, incoming.startsAt),
    endsAt,
    eventAt: orderedAt,
    eventReceivedAt: incoming.receivedAt,
    lastSeen: later(base.lastSeen, incoming.receivedAt),
    ...(stored ? {} : { resolvedBy: `source:${command.source}`, resolvedAt: orderedAt }),
  };
  const next = withPatch(base, patch);
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

function stale(stored: AlertRecord, transition: Of<'stale'>, { command, incoming }: Receipt): Verdict {
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
