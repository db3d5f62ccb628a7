import { Severity } from '@firebreak/contracts';
import { ChannelType } from '../channel-config/channels.config';
import { Notification, NotificationKind } from '../notifications/notification';
import { ClaimedDelivery } from './delivery.types';

/** Follow-ups (an alert's analysis): never folded into a summary, sent after the channel's other messages. */
export const FOLLOW_UP_SUBJECT = 'alerts.analysis';
/** A skipped delivery's error: sent now, it would overtake a newer announcement of its order key. */
export const SUPERSEDED = 'superseded: a newer announcement about this alert was already sent';

/**
 * The `candidates` and `picked` CTEs of a claim (see DeliveriesRepository.claimDue for what they pick and why), over
 * the parameters $1 channel, $2 now, $3 limit, $5 follow-ups wanted, $6 ids held by this replica. `picked` gives the
 * rows locked (SKIP LOCKED, re-checked as still pending and due) with what putting them on the wire compares.
 *
 * Follow-ups (analyses) come after everything else the round can take (the second branch runs only when the first
 * found fewer than `limit`), not at all while the channel folds, and wait while the delivery they follow is pending
 * (a primary-key lookup each). Only a follow-up's content is read. The re-check under the lock is wrapped in IS TRUE
 * so the planner cannot serve it from an index: with stale statistics it read every due row through
 * `deliveries_due_idx` instead of the picked ids.
 */
export function claimablePicked(deliveries: string): string {
  const head = `(COALESCE(d.order_key, d.fingerprint) IS NULL OR d.id = (
             SELECT o.id FROM ${deliveries} o
              WHERE o.channel = d.channel AND o.target = d.target AND o.status = 'pending'
                AND COALESCE(o.order_key, o.fingerprint) = COALESCE(d.order_key, d.fingerprint)
              ORDER BY o.ordered_at, o.seq LIMIT 1))`;
  return `candidates AS (
           SELECT c.id FROM (
             (SELECT d.id FROM ${deliveries} d
               WHERE d.channel = $1 AND d.status = 'pending' AND d.next_attempt_at <= $2 AND d.id <> ALL($6::text[])
                 AND d.announcement_subject <> '${FOLLOW_UP_SUBJECT}' AND ${head}
               ORDER BY d.next_attempt_at LIMIT $3)
             UNION ALL
             (SELECT d.id FROM ${deliveries} d
               WHERE $5::boolean AND d.channel = $1 AND d.status = 'pending' AND d.next_attempt_at <= $2 AND d.id <> ALL($6::text[])
                 AND d.announcement_subject = '${FOLLOW_UP_SUBJECT}' AND ${head}
                 AND NOT EXISTS (SELECT 1 FROM ${deliveries} f WHERE f.id = d.content->>'followUpOf' AND f.status = 'pending')
               ORDER BY d.next_attempt_at LIMIT $3)
           ) AS c LIMIT $3),
         picked AS (
           SELECT id, target, COALESCE(order_key, fingerprint) AS order_key, ordered_at FROM ${deliveries}
            WHERE id = ANY(ARRAY(SELECT id FROM candidates)) AND (status = 'pending' AND next_attempt_at <= $2) IS TRUE
            FOR UPDATE SKIP LOCKED)`;
}

/** What a claim returns of each row it took (`d` the deliveries table). */
export const CLAIMED_COLUMNS = `d.id, d.seq, d.announcement_id, d.channel_type, d.target, d.kind, d.severity, d.fingerprint,
                   COALESCE(d.order_key, d.fingerprint) AS order_key, d.content, d.attempts,
                   d.claim_token, d.received_at, d.ordered_at`;

export function toClaimed(row: Record<string, unknown>): ClaimedDelivery {
  return {
    id: row.id as string,
    seq: Number(row.seq),
    announcementId: row.announcement_id as string,
    channelType: row.channel_type as ChannelType,
    target: row.target as string,
    kind: row.kind as NotificationKind,
    severity: row.severity as Severity,
    fingerprint: row.fingerprint as string | null,
    orderKey: row.order_key as string | null,
    content: row.content as Notification,
    attempts: row.attempts as number,
    claimToken: row.claim_token as string,
    receivedAt: new Date(row.received_at as string),
    orderedAt: new Date(row.ordered_at as string),
  };
}
