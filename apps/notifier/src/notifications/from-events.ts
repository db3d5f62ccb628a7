import { EventOf } from '@firebreak/contracts';
import { isHttpUrl } from './text';
import { emojiFor, Link, Notification, NotificationKind } from './notification';

const STATUS: Record<NotificationKind, string> = {
  firing: 'FIRING',
  repeat: 'STILL FIRING',
  resolved: 'RESOLVED',
  acknowledged: 'ACKNOWLEDGED',
  escalated: 'ESCALATED',
  message: 'MESSAGE',
  test: 'TEST',
};
// Annotations shown elsewhere in the message (title, text, links) are not repeated as details.
const SHOWN_ANNOTATIONS = new Set(['summary', 'description', 'runbook_url']);
const SHOWN_LABELS = new Set(['alertname', 'severity']);
// An alert someone still has to look at: its message offers Acknowledge.
const ACKNOWLEDGEABLE = new Set<NotificationKind>(['firing', 'repeat', 'escalated']);

export function fromAlertNotify(event: EventOf<'alerts.notify'>): Notification {
  const { alert, kind } = event.data;
  const alertname = alert.labels.alertname ?? 'alert';
  const details: Array<[string, string]> = [
    ...sortedEntries(alert.labels).filter(([key]) => !SHOWN_LABELS.has(key)),
    ...sortedEntries(alert.annotations).filter(([key]) => !SHOWN_ANNOTATIONS.has(key)),
    ['started', alert.startsAt],
    ...optional('ended', alert.endsAt ?? undefined),
    ...optional('occurrences', event.data.occurrences > 1 ? String(event.data.occurrences) : undefined),
    ...optional('by', event.data.actor),
    ...optional('note', event.data.note),
    ...optional('reason', event.data.reason),
    ...optional('runbook', event.data.runbook && [event.data.runbook.id, event.data.runbook.outcome].filter(Boolean).join(': ')),
    ['fingerprint', alert.fingerprint],
  ];
  return {
    kind,
    severity: alert.severity,
    emoji: emojiFor(kind, alert.severity),
    source: alertname,
    status: STATUS[kind],
    title: alert.annotations.summary || alertname,
    ...(alert.annotations.description ? { text: alert.annotations.description } : {}),
    details,
    links: links([alert.generatorURL, 'Source'], [alert.annotations.runbook_url, 'Runbook']),
    fingerprint: alert.fingerprint,
    dedupKey: alert.fingerprint,
    labels: alert.labels,
    annotations: alert.annotations,
    occurredAt: event.time,
    ...(ACKNOWLEDGEABLE.has(kind) ? { actions: [{ action: 'acknowledge' as const, value: acknowledgeButtonValue(alert) }] } : {}),
  };
}

export function fromNotificationRequested(event: EventOf<'notifications.requested'>): Notification {
  const data = event.data;
  return {
    kind: 'message',
    severity: data.severity,
    emoji: emojiFor('message', data.severity),
    source: data.runbookId ? `runbook ${data.runbookId}` : 'Firebreak',
    status: STATUS.message,
    title: data.title,
    text: data.text,
    details: [...sortedEntries(data.labels), ...optional('execution', data.executionId), ...optional('fingerprint', data.fingerprint)],
    links: [],
    ...(data.fingerprint ? { fingerprint: data.fingerprint } : {}),
    dedupKey: data.fingerprint ?? `firebreak-${data.requestId}`.slice(0, 255),
    labels: data.labels,
    annotations: {},
    occurredAt: event.time,
  };
}

export function fromApprovalRequested(event: EventOf<'runbooks.approval.requested'>): Notification {
  const data = event.data;
  return {
    kind: 'message',
    severity: data.severity,
    emoji: '⏳',
    source: `runbook ${data.runbookId}`,
    status: 'APPROVAL NEEDED',
    title: `step ${data.stepId} waits for approval`,
    text: data.summary,
    details: [
      ['approval', data.approvalId],
      ['execution', data.executionId],
      ['step', data.stepId],
      ['expires', data.expiresAt],
      ...optional('fingerprint', data.fingerprint),
    ],
    links: [],
    ...(data.fingerprint ? { fingerprint: data.fingerprint } : {}),
    dedupKey: `firebreak-approval-${data.approvalId}`.slice(0, 255),
    labels: { runbook: data.runbookId },
    annotations: {},
    occurredAt: event.time,
    actions: [
      { action: 'approve', value: data.approvalId },
      { action: 'reject', value: data.approvalId },
    ],
  };
}

const DECISION: Record<EventOf<'runbooks.approval.decided'>['data']['decision'], { emoji: string; status: string }> = {
  approved: { emoji: '✅', status: 'APPROVED' },
  rejected: { emoji: '⛔', status: 'REJECTED' },
  expired: { emoji: '⌛', status: 'EXPIRED' },
};

/**
 * An approval's decision, told where its request went. Kind `resolved`: PagerDuty resolves the
 * request's incident (same dedup_key), chat gets a short follow-up, as for an alert's resolution.
 * The decision names no runbook or step: those come from the request as it was sent.
 */
export function fromApprovalDecided(event: EventOf<'runbooks.approval.decided'>, request: Notification): Notification {
  const data = event.data;
  const step = request.details.find(([key]) => key === 'step')?.[1];
  const verdict =
    data.decision === 'expired' ? 'expired without a decision' : `${data.decision}${data.decidedBy ? ` by ${data.decidedBy}` : ''}`;
  return {
    kind: 'resolved',
    severity: request.severity,
    emoji: DECISION[data.decision].emoji,
    source: request.source,
    status: DECISION[data.decision].status,
    title: step ? `step ${step} ${verdict}` : verdict,
    ...(data.note ? { text: data.note } : {}),
    details: [
      ['approval', data.approvalId],
      ['execution', data.executionId],
      ...optional('decided by', data.decidedBy),
      ['decided', data.decidedAt],
      ...optional('fingerprint', request.fingerprint),
    ],
    links: [],
    ...(request.fingerprint ? { fingerprint: request.fingerprint } : {}),
    dedupKey: request.dedupKey,
    labels: request.labels,
    annotations: {},
    occurredAt: event.time,
  };
}

/**
 * An alert's analysis, told as a follow-up to its firing message. Everything in it is data (the
 * model's words, labels quoted in queries): each provider escapes it like any other message.
 */
export function fromAlertAnalysis(event: EventOf<'alerts.analysis'>): Notification {
  const a = event.data;
  const details: Array<[string, string]> = [
    ...a.probableCauses.map((c, i): [string, string] => [`cause ${i + 1}`, c.evidence ? `${c.cause} (${c.evidence})` : c.cause]),
    ...a.mitigations.map((m, i): [string, string] => [`step ${i + 1}`, m]),
    ...a.recommendedRunbooks
      .slice(0, 3)
      .map((r): [string, string] => [
        'runbook',
        r.successRate === null ? `${r.runbookId}: no outcomes yet` : `${r.runbookId}: fixed ${r.fixed} of ${r.runs}`,
      ]),
    ...a.queries.slice(0, 3).map((q): [string, string] => ['query', q.promql]),
    ...a.similarIncidents.slice(0, 2).map((s): [string, string] => ['similar', s.title]),
    ['engine', a.fallbackReason ? `${a.engine} (model not used: ${a.fallbackReason})` : a.engine],
    ['fingerprint', a.fingerprint],
  ];
  return {
    kind: 'message',
    severity: a.severity,
    emoji: '🔎',
    source: a.alertname || 'alert',
    status: 'ANALYSIS',
    title: `what is known about ${a.alertname || 'this alert'}`,
    text: a.summary,
    details,
    links: [],
    fingerprint: a.fingerprint,
    dedupKey: a.fingerprint,
    labels: { alertname: a.alertname },
    annotations: {},
    occurredAt: event.time,
  };
}

export function testNotification(channel: string, actor: string, text: string | undefined, id: string, at: Date): Notification {
  return {
    kind: 'test',
    severity: 'info',
    emoji: emojiFor('test', 'info'),
    source: 'Firebreak',
    status: STATUS.test,
    title: `test message for channel ${channel}`,
    text: text ?? 'If you can read this, Firebreak can reach this channel.',
    details: [
      ['requested by', actor],
      ['at', at.toISOString()],
    ],
    links: [],
    dedupKey: `firebreak-test-${id}`,
    labels: {},
    annotations: {},
    occurredAt: at.toISOString(),
  };
}

function links(...candidates: Array<[string | undefined, string]>): Link[] {
  return candidates.filter(([href]) => isHttpUrl(href)).map(([href, text]) => ({ href: href!, text }));
}

function optional(key: string, value: string | undefined): Array<[string, string]> {
  return value ? [[key, value]] : [];
}

function sortedEntries(record: Record<string, string>): Array<[string, string]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * `<fingerprint>:<episode startsAt, epoch seconds>` (31 bytes, inside Telegram's 64): the mapper refuses a press on a
 * message of an earlier episode of the same alert, so last week's button cannot acknowledge today's incident.
 */
function acknowledgeButtonValue(alert: { fingerprint: string; startsAt: string }): string {
  const seconds = Math.floor(Date.parse(alert.startsAt) / 1000);
  return Number.isFinite(seconds) ? `${alert.fingerprint}:${seconds}` : alert.fingerprint;
}
