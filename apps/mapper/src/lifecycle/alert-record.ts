import { Alert, AlertLifecycle, Severity } from '@firebreak/contracts';

/** What the mapper knows about the runbook of an alert's current episode. */
export interface RunbookState {
  id: string;
  requestId: string;
  source: string;
  status: string;
  executionId?: string;
  reason?: string;
  at: string;
}

/** One row of `alerts`, in the names the code uses. */
export interface AlertRecord {
  fingerprint: string;
  alertname: string;
  severity: Severity;
  status: AlertLifecycle;
  source: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string;
  /** The current episode's start; a later startsAt is a new episode. */
  startsAt: Date;
  endsAt: Date | null;
  /**
   * The own time of the source event that last moved the alert (startsAt, or endsAt when resolved)
   * as it is ordered: a time further than FIREBREAK_MAX_CLOCK_SKEW past its receipt is stored as the
   * receipt (`trustedTime`). startsAt and endsAt keep what the sender said.
   */
  eventAt: Date;
  eventReceivedAt: Date;
  firstSeen: Date;
  lastSeen: Date;
  occurrences: number;
  /** When this episode was last announced; null: nobody was told of this episode yet. */
  lastAnnouncedAt: Date | null;
  silenceId: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  acknowledgeNote: string | null;
  resolvedBy: string | null;
  resolvedAt: Date | null;
  resolveNote: string | null;
  escalatedAt: Date | null;
  runbook: RunbookState | null;
  /**
   * The time the alert's last change was stamped with (announcements, state changes, history);
   * the next one is stamped at least 1 ms later (see `stampFor`). Null on rows older than the column.
   */
  stampedAt: Date | null;
  updatedAt: Date;
}

/** Who acknowledged, resolved or escalated the episode: all unset when a new episode opens. */
export const NO_HANDLING = {
  acknowledgedBy: null,
  acknowledgedAt: null,
  acknowledgeNote: null,
  resolvedBy: null,
  resolvedAt: null,
  resolveNote: null,
  escalatedAt: null,
} as const satisfies Partial<AlertRecord>;

export type AlertPatch = Partial<Omit<AlertRecord, 'fingerprint' | 'updatedAt'>>;

const pick = <T>(changed: T | undefined, stored: T): T => (changed === undefined ? stored : changed);

/**
 * The record with the patch's fields (an undefined one leaves its field as it is). Written out field
 * by field, not `{ ...record, ...patch }`: V8 copies spread objects of this size through a slow
 * generic path, which cost a new alert's decision ~25 µs (most of the machine's time in a storm).
 */
export function withPatch(record: AlertRecord, patch: AlertPatch): AlertRecord {
  return {
    fingerprint: record.fingerprint,
    alertname: pick(patch.alertname, record.alertname),
    severity: pick(patch.severity, record.severity),
    status: pick(patch.status, record.status),
    source: pick(patch.source, record.source),
    labels: pick(patch.labels, record.labels),
    annotations: pick(patch.annotations, record.annotations),
    generatorURL: pick(patch.generatorURL, record.generatorURL),
    startsAt: pick(patch.startsAt, record.startsAt),
    endsAt: pick(patch.endsAt, record.endsAt),
    eventAt: pick(patch.eventAt, record.eventAt),
    eventReceivedAt: pick(patch.eventReceivedAt, record.eventReceivedAt),
    firstSeen: pick(patch.firstSeen, record.firstSeen),
    lastSeen: pick(patch.lastSeen, record.lastSeen),
    occurrences: pick(patch.occurrences, record.occurrences),
    lastAnnouncedAt: pick(patch.lastAnnouncedAt, record.lastAnnouncedAt),
    silenceId: pick(patch.silenceId, record.silenceId),
    acknowledgedBy: pick(patch.acknowledgedBy, record.acknowledgedBy),
    acknowledgedAt: pick(patch.acknowledgedAt, record.acknowledgedAt),
    acknowledgeNote: pick(patch.acknowledgeNote, record.acknowledgeNote),
    resolvedBy: pick(patch.resolvedBy, record.resolvedBy),
    resolvedAt: pick(patch.resolvedAt, record.resolvedAt),
    resolveNote: pick(patch.resolveNote, record.resolveNote),
    escalatedAt: pick(patch.escalatedAt, record.escalatedAt),
    runbook: pick(patch.runbook, record.runbook),
    stampedAt: pick(patch.stampedAt, record.stampedAt),
    updatedAt: record.updatedAt,
  };
}

/** Column of each field; the only names that ever reach SQL text. */
export const ALERT_COLUMNS: Record<keyof AlertRecord, string> = {
  fingerprint: 'fingerprint',
  alertname: 'alertname',
  severity: 'severity',
  status: 'status',
  source: 'source',
  labels: 'labels',
  annotations: 'annotations',
  generatorURL: 'generator_url',
  startsAt: 'starts_at',
  endsAt: 'ends_at',
  eventAt: 'event_at',
  eventReceivedAt: 'event_received_at',
  firstSeen: 'first_seen',
  lastSeen: 'last_seen',
  occurrences: 'occurrences',
  lastAnnouncedAt: 'last_announced_at',
  silenceId: 'silence_id',
  acknowledgedBy: 'acknowledged_by',
  acknowledgedAt: 'acknowledged_at',
  acknowledgeNote: 'acknowledge_note',
  resolvedBy: 'resolved_by',
  resolvedAt: 'resolved_at',
  resolveNote: 'resolve_note',
  escalatedAt: 'escalated_at',
  runbook: 'runbook',
  stampedAt: 'stamped_at',
  updatedAt: 'updated_at',
};

/** `a.col AS "field", ...` for reading rows straight into AlertRecord. */
export function alertSelectList(alias: string): string {
  return Object.entries(ALERT_COLUMNS)
    .map(([field, column]) => `${alias}.${column} AS "${field}"`)
    .join(', ');
}

/** The alert as the contracts carry it, from what is stored. */
export function toContractAlert(record: AlertRecord): Alert {
  return {
    fingerprint: record.fingerprint,
    status: record.status === 'resolved' ? 'resolved' : 'firing',
    labels: record.labels,
    annotations: record.annotations,
    severity: record.severity,
    startsAt: record.startsAt.toISOString(),
    endsAt: record.status === 'resolved' && record.endsAt ? record.endsAt.toISOString() : null,
    generatorURL: record.generatorURL,
  };
}
