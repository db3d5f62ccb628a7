import { AlertLifecycle, AlertNotify, AlertStateChanged, NotifyKind, RunbookRequested } from '@firebreak/contracts';
import { AlertRecord, RunbookState, toContractAlert } from './alert-record';
import { HistoryEntry } from './history.repository';

/** Metrics a decision counts once its transaction commits (announcements and requests count themselves). */
export type CountedMetric =
  | { metric: 'deduplicated' | 'stale' | 'silenced' }
  | { metric: 'escalated'; reason: 'unacknowledged' | 'runbook_failed' }
  | { metric: 'clock_skew_clamped'; field: 'startsAt' | 'endsAt' };

/**
 * What a decision asks to be done besides writing its patch, as plain data: `applyEffects` performs
 * them in the transaction and stamps them with the decision's time (`Decision.at`).
 */
export type Effect =
  | { type: 'announce'; sourceId: string; notify: AlertNotify }
  | { type: 'state_changed'; sourceId: string; change: Omit<AlertStateChanged, 'at'> }
  | { type: 'history'; entry: Omit<HistoryEntry, 'at'> }
  | { type: 'runbook_request'; fingerprint: string; runbook: RunbookState; request: RunbookRequested }
  | { type: 'runbook_outcome'; requestId: string; status: string; reason?: string; executionId: string }
  | { type: 'timer_set'; fingerprint: string; delayMs: number; sourceId: string }
  | { type: 'timer_cancel'; fingerprint: string }
  | ({ type: 'count' } & CountedMetric);

export interface AnnounceExtra {
  receivedAt: Date;
  actor?: string;
  note?: string;
  reason?: string;
  runbook?: AlertNotify['runbook'];
}

export function announce(kind: NotifyKind, record: AlertRecord, sourceId: string, extra: AnnounceExtra): Effect {
  const notify: AlertNotify = {
    kind,
    alert: toContractAlert(record),
    receivedAt: extra.receivedAt.toISOString(),
    occurrences: Math.max(1, record.occurrences),
    ...(extra.actor !== undefined ? { actor: extra.actor } : {}),
    ...(extra.note !== undefined ? { note: extra.note } : {}),
    ...(extra.reason !== undefined ? { reason: extra.reason } : {}),
    ...(extra.runbook ? { runbook: extra.runbook } : {}),
  };
  return { type: 'announce', sourceId, notify };
}

/** alerts.state.changed, only when the lifecycle actually moved. */
export function stateChanged(
  record: AlertRecord,
  from: AlertLifecycle | null,
  to: AlertLifecycle,
  sourceId: string,
  who: { actor?: string; note?: string } = {},
): Effect[] {
  if (from === to) return [];
  const change = {
    fingerprint: record.fingerprint,
    alertname: record.alertname,
    severity: record.severity,
    from,
    to,
    ...(who.actor !== undefined ? { actor: who.actor } : {}),
    ...(who.note !== undefined ? { note: who.note } : {}),
  };
  return [{ type: 'state_changed', sourceId, change }];
}

export function history(entry: Omit<HistoryEntry, 'at'>): Effect {
  return { type: 'history', entry };
}

export function count(counted: CountedMetric): Effect {
  return { type: 'count', ...counted };
}

export function cancelTimer(fingerprint: string): Effect {
  return { type: 'timer_cancel', fingerprint };
}
