import { CloudEvent, NotifyKind, Severity } from '@firebreak/contracts';

export type NotificationKind = NotifyKind | 'message' | 'test';

export interface Link {
  href: string;
  text: string;
}

/**
 * A button a person can press in the chat: Approve / Reject an approval (value: its id), Acknowledge an
 * alert (value: its fingerprint). Rendered only on channels whose provider has interactivity set up.
 */
export interface NotificationAction {
  action: 'approve' | 'reject' | 'acknowledge';
  value: string;
}

export interface SummaryItem {
  severity: Severity;
  kind: NotificationKind;
  title: string;
}

/**
 * What to say, independent of the vendor: each provider renders it in its own format. Stored with
 * the delivery, so a retry sends what the first attempt would have sent.
 */
export interface Notification {
  kind: NotificationKind;
  severity: Severity;
  emoji: string;
  /** Where it comes from: the alertname, a runbook, Firebreak itself. */
  source: string;
  /** A short status word: FIRING, RESOLVED, APPROVAL NEEDED, … */
  status: string;
  /** The summary annotation, or the alertname. */
  title: string;
  /** A longer paragraph (description annotation, a message's text). */
  text?: string;
  /** Shown as `key: value` lines. */
  details: Array<[string, string]>;
  /** http(s) only. */
  links: Link[];
  fingerprint?: string;
  /** PagerDuty's dedup_key: the fingerprint for alerts, so a resolve closes the incident it opened. */
  dedupKey: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  occurredAt: string;
  /** A folded backlog: how many messages, and the first few. */
  summary?: { count: number; items: SummaryItem[] };
  /** The CloudEvent itself, kept for webhook channels only. */
  event?: CloudEvent<unknown>;
  /** A follow-up (an alert's analysis): the delivery of the message it follows; Telegram replies to it, Slack (Web API) threads under it. */
  followUpOf?: string;
  /** Buttons, for chat channels with interactivity. */
  actions?: NotificationAction[];
}

const SEVERITY_EMOJI: Record<Severity, string> = { critical: '🔴', error: '🟠', warning: '🟡', info: '🔵' };
const KIND_EMOJI: Partial<Record<NotificationKind, string>> = { resolved: '✅', acknowledged: '👀', escalated: '🚨', test: '🧪' };

export function emojiFor(kind: NotificationKind, severity: Severity): string {
  return KIND_EMOJI[kind] ?? SEVERITY_EMOJI[severity];
}

/** `🔴 CRITICAL | HighErrorRate` */
export function headline(notification: Notification): string {
  return `${notification.emoji} ${notification.severity.toUpperCase()} | ${notification.source}`;
}

/** `FIRING: API error rate above 5%` */
export function statusLine(notification: Notification): string {
  return `${notification.status}: ${notification.title}`;
}
