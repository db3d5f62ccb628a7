import { AlertLifecycle, labelValue } from '@firebreak/contracts';
import { mapperMetrics } from '../core/metrics';
import { AlertEffects } from '../lifecycle/alert-effects';
import { AlertPatch, AlertRecord } from '../lifecycle/alert-record';
import { Transition } from './alert-transition';
import type { IngestContext } from './alert-ingest.service';

/** The row to write, and what goes with it; `perform` runs only once the row is written. */
export interface TransitionPlan {
  next: AlertRecord;
  patch: AlertPatch;
  perform(): Promise<void>;
}

type Planner<T extends Transition, Stored = AlertRecord | null> = (fx: AlertEffects, stored: Stored, transition: T, context: IngestContext) => TransitionPlan;
type Of<K extends Transition['type']> = Extract<Transition, { type: K }>;

const later = (a: Date, b: Date) => (a.getTime() >= b.getTime() ? a : b);

/** Planning is pure: a lost insert race throws the plan away and nothing was staged. */
export function planTransition(fx: AlertEffects, stored: AlertRecord | null, transition: Transition, context: IngestContext): TransitionPlan {
  switch (transition.type) {
    case 'open':
      return planOpen(fx, stored, transition, context);
    case 'repeat':
      return planRepeat(fx, existing(stored), transition, context);
    case 'close':
      return planClose(fx, existing(stored), transition, context);
    case 'record_resolved':
      return planRecordResolved(fx, stored, transition, context);
    case 'stale':
      return planStale(fx, existing(stored), transition, context);
  }
}

function existing(stored: AlertRecord | null): AlertRecord {
  if (!stored) throw new Error('this transition needs a stored alert');
  return stored;
}

function alertFields(context: IngestContext): AlertPatch {
  const { alert } = context;
  return {
    alertname: labelValue(alert.labels, 'alertname'),
    severity: alert.severity,
    source: context.source,
    labels: alert.labels,
    annotations: alert.annotations,
    generatorURL: alert.generatorURL,
  };
}

function firstSighting(fx: AlertEffects, context: IngestContext): AlertRecord {
  const at = context.incoming.receivedAt;
  return {
    fingerprint: context.alert.fingerprint,
    ...(alertFields(context) as Required<Pick<AlertRecord, 'alertname' | 'severity' | 'source' | 'labels' | 'annotations' | 'generatorURL'>>),
    status: 'firing',
    startsAt: context.incoming.startsAt,
    endsAt: null,
    eventAt: context.incoming.startsAt,
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
    updatedAt: fx.now,
  };
}

const planOpen: Planner<Of<'open'>> = (fx, stored, transition, context) => {
  const { incoming, sourceId } = context;
  const announced = transition.announce === 'firing';
  const runbook = announced && context.mapping ? fx.planRunbook(context.mapping, sourceId) : null;
  const base = stored ?? firstSighting(fx, context);
  const patch: AlertPatch = {
    ...alertFields(context),
    status: transition.to,
    startsAt: incoming.startsAt,
    endsAt: null,
    eventAt: incoming.startsAt,
    eventReceivedAt: incoming.receivedAt,
    lastSeen: later(base.lastSeen, incoming.receivedAt),
    occurrences: base.occurrences + 1,
    lastAnnouncedAt: announced ? fx.now : null,
    silenceId: context.silence?.id ?? null,
    ...{ acknowledgedBy: null, acknowledgedAt: null, acknowledgeNote: null, resolvedBy: null, resolvedAt: null, resolveNote: null, escalatedAt: null },
    runbook,
  };
  const next: AlertRecord = { ...base, ...patch };
  const from = stored?.status ?? null;
  return {
    next,
    patch,
    async perform() {
      fx.moved(next, from, transition.to, sourceId);
      if (announced) await fx.performFiring(next, sourceId, incoming.receivedAt, runbook !== null);
      else if (stored) await fx.cancelEscalation(next.fingerprint);
      if (transition.to === 'silenced') fx.count(() => mapperMetrics.silenced.inc());
      fx.history({
        fingerprint: next.fingerprint,
        sourceId,
        action: stored ? 'reopened' : 'opened',
        from,
        to: transition.to,
        details: { startsAt: incoming.startsAt, announced: transition.announce, silenceId: next.silenceId, runbook },
      });
    },
  };
};

const planRepeat: Planner<Of<'repeat'>, AlertRecord> = (fx, stored, transition, context) => {
  const { incoming, sourceId } = context;
  const newer = incoming.receivedAt.getTime() > stored.eventReceivedAt.getTime();
  let patch: AlertPatch = {
    status: transition.to,
    occurrences: stored.occurrences + 1,
    lastSeen: later(stored.lastSeen, incoming.receivedAt),
    silenceId: transition.to === 'silenced' ? (context.silence?.id ?? stored.silenceId) : null,
    // Annotations may change while an alert fires (a value in the description): keep the latest.
    ...(newer ? { annotations: context.alert.annotations, generatorURL: context.alert.generatorURL, eventReceivedAt: incoming.receivedAt } : {}),
  };
  const announce = transition.announce;
  const runbook = announce === 'firing' && !stored.runbook && context.mapping ? fx.planRunbook(context.mapping, sourceId) : stored.runbook;
  if (announce) patch = { ...patch, lastAnnouncedAt: fx.now, runbook };
  const next: AlertRecord = { ...stored, ...patch };
  return {
    next,
    patch,
    async perform() {
      fx.moved(next, stored.status, transition.to, sourceId);
      if (announce === 'firing') await fx.performFiring(next, sourceId, incoming.receivedAt, runbook !== stored.runbook);
      else if (announce) fx.announce(announce, next, sourceId, { receivedAt: incoming.receivedAt });
      if (transition.to === 'silenced') fx.count(() => mapperMetrics.silenced.inc());
      const action = repeatAction(stored.status, transition.to, announce !== null);
      if (transition.to === 'silenced' && stored.status !== 'silenced') await fx.cancelEscalation(next.fingerprint);
      if (action) fx.history({ fingerprint: next.fingerprint, sourceId, action, from: stored.status, to: transition.to, details: { announced: announce, silenceId: next.silenceId } });
    },
  };
};

/** A repeat is history only when it moved the alert or was announced; plain dedup is just counted. */
function repeatAction(from: AlertLifecycle, to: AlertLifecycle, announced: boolean): string | null {
  if (from !== 'silenced' && to === 'silenced') return 'silenced';
  if (from === 'silenced' && to !== 'silenced') return 'unsilenced';
  return announced ? 'repeat_announced' : null;
}

const planClose: Planner<Of<'close'>, AlertRecord> = (fx, stored, transition, context) => {
  const { incoming, sourceId } = context;
  const endsAt = incoming.endsAt ?? incoming.receivedAt;
  const patch: AlertPatch = {
    status: 'resolved',
    annotations: context.alert.annotations,
    startsAt: later(stored.startsAt, incoming.startsAt),
    endsAt,
    eventAt: endsAt,
    eventReceivedAt: incoming.receivedAt,
    lastSeen: later(stored.lastSeen, incoming.receivedAt),
    silenceId: null,
    resolvedBy: `source:${context.source}`,
    resolvedAt: endsAt,
    resolveNote: null,
  };
  const next: AlertRecord = { ...stored, ...patch };
  return {
    next,
    patch,
    async perform() {
      fx.moved(next, stored.status, 'resolved', sourceId);
      await fx.cancelEscalation(next.fingerprint);
      if (transition.announce) fx.announce('resolved', next, sourceId, { receivedAt: incoming.receivedAt });
      fx.history({ fingerprint: next.fingerprint, sourceId, action: 'resolved', from: stored.status, to: 'resolved', actor: next.resolvedBy ?? undefined, details: { endsAt, announced: transition.announce } });
    },
  };
};

const planRecordResolved: Planner<Of<'record_resolved'>> = (fx, stored, _transition, context) => {
  const { incoming, sourceId } = context;
  const endsAt = incoming.endsAt ?? incoming.receivedAt;
  const base = stored ?? { ...firstSighting(fx, context), occurrences: 1 };
  const patch: AlertPatch = {
    status: 'resolved',
    startsAt: later(base.startsAt, incoming.startsAt),
    endsAt,
    eventAt: endsAt,
    eventReceivedAt: incoming.receivedAt,
    lastSeen: later(base.lastSeen, incoming.receivedAt),
    ...(stored ? {} : { resolvedBy: `source:${context.source}`, resolvedAt: endsAt }),
  };
  const next: AlertRecord = { ...base, ...patch };
  return {
    next,
    patch,
    async perform() {
      fx.moved(next, stored?.status ?? null, 'resolved', sourceId);
      const reason = stored ? 'a later resolution of an alert already resolved' : 'first seen resolved; nobody was told it fired';
      fx.history({ fingerprint: next.fingerprint, sourceId, action: stored ? 'resolution_updated' : 'recorded_resolved', from: stored?.status ?? null, to: 'resolved', details: { endsAt, reason } });
    },
  };
};

const planStale: Planner<Of<'stale'>, AlertRecord> = (fx, stored, transition, context) => {
  const { incoming, sourceId } = context;
  return {
    next: stored,
    patch: {},
    async perform() {
      fx.history({
        fingerprint: stored.fingerprint,
        sourceId,
        action: 'stale_ignored',
        from: stored.status,
        to: stored.status,
        details: { reason: transition.reason, status: incoming.status, startsAt: incoming.startsAt, endsAt: incoming.endsAt, receivedAt: incoming.receivedAt },
      });
    },
  };
};
