import { deriveEventId } from '@firebreak/contracts';
import { mapperMetrics } from '../core/metrics';
import { AlertTransaction } from './alert-transaction';
import { CountedMetric, Effect } from './effects';

type Of<K extends Effect['type']> = Extract<Effect, { type: K }>;

/**
 * Performs a decision's effects inside the transaction: events go to the outbox (trusted: the decisions build
 * their data from the alert's record and from events and requests validated when they arrived), rows to the write
 * batch (one statement per table at flush), history and metrics to the transaction's queues. Events and history are stamped with the decision's time `at` (the alert's own
 * monotonic stamp, see `stampFor`), which orders them; an escalation's due time is measured from the
 * transaction's clock, never from a stamp another replica's clock may have pushed ahead.
 */
export async function applyEffects(tx: AlertTransaction, effects: readonly Effect[], at: Date): Promise<void> {
  const cancelled: string[] = [];
  // Converted once: a new alert's three events carry it (the envelope takes the string as it is).
  const time = at.toISOString();
  for (const effect of effects) {
    switch (effect.type) {
      case 'announce':
        stageAnnouncement(tx, effect, time);
        break;
      case 'state_changed':
        tx.bus.stageTrusted(
          'alerts.state.changed',
          { ...effect.change, at: time },
          { id: deriveEventId('state', effect.sourceId, effect.change.to), subject: effect.change.fingerprint, time },
        );
        break;
      case 'history':
        tx.record(effect.entry, at);
        break;
      case 'runbook_request':
        requestRunbook(tx, effect, at, time);
        break;
      case 'runbook_outcome':
        await tx.stores.requests.recordOutcome(tx.writes, effect.requestId, {
          status: effect.status,
          reason: effect.reason,
          executionId: effect.executionId,
          at,
        });
        break;
      case 'timer_set':
        tx.stores.timers.schedule(
          tx.writes,
          effect.fingerprint,
          new Date(tx.now.getTime() + effect.delayMs),
          effect.delayMs,
          effect.sourceId,
          tx.now,
        );
        break;
      case 'timer_cancel':
        cancelled.push(effect.fingerprint);
        break;
      case 'count':
        tx.afterCommit(() => increment(effect));
        break;
    }
  }
  tx.stores.timers.cancel(tx.writes, cancelled);
}

function stageAnnouncement(tx: AlertTransaction, { notify, sourceId }: Of<'announce'>, time: string): void {
  tx.bus.stageTrusted('alerts.notify', notify, {
    id: deriveEventId('notify', sourceId, notify.kind),
    subject: notify.alert.fingerprint,
    time,
  });
  tx.afterCommit(() => mapperMetrics.sent.inc({ kind: notify.kind }));
}

function requestRunbook(tx: AlertTransaction, { fingerprint, runbook, request }: Of<'runbook_request'>, at: Date, time: string): void {
  tx.stores.requests.insert(tx.writes, {
    requestId: runbook.requestId,
    fingerprint,
    runbookId: runbook.id,
    mappingSource: runbook.source,
    status: runbook.status,
    reason: runbook.reason,
    at,
  });
  if (runbook.status === 'requested') {
    tx.bus.stageTrusted('runbooks.requested', request, { id: runbook.requestId, subject: fingerprint, time });
    tx.afterCommit(() => mapperMetrics.runbooksRequested.inc({ runbook: runbook.id }));
  } else {
    tx.afterCommit(() => mapperMetrics.runbooksSuppressed.inc({ runbook: runbook.id }));
  }
}

function increment(counted: CountedMetric): void {
  switch (counted.metric) {
    case 'deduplicated':
      return mapperMetrics.deduplicated.inc();
    case 'stale':
      return mapperMetrics.stale.inc();
    case 'silenced':
      return mapperMetrics.silenced.inc();
    case 'escalated':
      return mapperMetrics.escalated.inc({ reason: counted.reason });
    case 'clock_skew_clamped':
      return mapperMetrics.clockSkewClamped.inc({ field: counted.field });
  }
}
