import { Severity, severityRank } from '@firebreak/contracts';
import { emojiFor, Notification, SummaryItem } from './notification';

/** How many folded notifications a summary names one by one; the rest are counted. */
export const SUMMARY_LISTED = 30;

export interface FoldedNotification {
  severity: Severity;
  kind: SummaryItem['kind'];
  title: string;
  /** Set when the folded notification was itself a summary: its items are merged, not nested. */
  summary?: { count: number; items: SummaryItem[] };
}

/** One notification standing for a backlog a channel could not send in time: "N more alerts: …". */
export function summaryNotification(channel: string, folded: FoldedNotification[], at: Date): Notification {
  let count = 0;
  const items: SummaryItem[] = [];
  for (const notification of folded) {
    count += notification.summary?.count ?? 1;
    items.push(
      ...(notification.summary?.items ?? [{ severity: notification.severity, kind: notification.kind, title: notification.title }]),
    );
  }
  const severity = folded.reduce<Severity>((max, m) => (severityRank(m.severity) > severityRank(max) ? m.severity : max), 'info');
  const listed = items.slice(0, SUMMARY_LISTED);
  const lines = listed.map((item) => `• ${item.severity.toUpperCase()} ${item.kind}: ${item.title}`);
  if (count > listed.length) lines.push(`… and ${count - listed.length} more`);
  return {
    kind: 'message',
    severity,
    emoji: emojiFor('message', severity),
    source: 'Firebreak',
    status: 'RATE LIMITED',
    title: `${count} more alerts`,
    text: `${count} more alerts: ${channel} was over its rate limit, so they are summed up here.\n${lines.join('\n')}`,
    details: [],
    links: [],
    dedupKey: `firebreak-summary-${channel}`,
    labels: {},
    annotations: {},
    occurredAt: at.toISOString(),
    summary: { count, items: listed },
  };
}
