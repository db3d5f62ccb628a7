import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Severity } from '@firebreak/contracts';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { ChannelType } from '../channel-config/channels.config';
import { Notification, NotificationKind } from '../notifications/notification';
import { NotifierConfig } from '../service';

const INSERT_CHUNK = 2_000;
/** Follow-ups (an alert's analysis): never folded into a summary, sent after the channel's other messages. */
const FOLLOW_UP_SUBJECT = 'alerts.analysis';

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'folded' | 'skipped';

export interface NewDelivery {
  id: string;
  announcementId: string;
  announcementSubject: string;
  channel: string;
  channelType: ChannelType;
  target: string;
  kind: NotificationKind;
  severity: Severity;
  fingerprint?: string;
  title: string;
  content: Notification;
  status: 'pending' | 'skipped';
  lastError?: string;
  receivedAt: Date;
  /** The announcement's own time: deliveries with one order key go out in this order. */
  orderedAt: Date;
  /**
   * What the order holds within (per target): the fingerprint when absent. An approval's request and
   * decision use `approval:<id>`: they are their own incident, apart from the alert's announcements.
   */
  orderKey?: string;
  /** The approval a delivery asks for or resolves. */
  approvalId?: string;
}

/** A delivery of an alert's firing message, as its analysis follow-up needs it. */
export interface FiringDelivery {
  id: string;
  channel: string;
  target: string;
  orderedAt: Date;
}

/** A delivery of an approval's request, as its decision needs it. */
export interface ApprovalRequestDelivery {
  channel: string;
  target: string;
  severity: Severity;
  fingerprint: string | null;
  content: Notification;
  /** Where the request stands in its order key's queue: its decision must come after it. */
  orderedAt: Date;
}

/** An approval's page as a decision finds it. */
export interface ApprovalPage {
  /** The request was recorded by this release (or backfilled by the migration). */
  requested: boolean;
  requestDeliveryIds: string[];
}

/** A delivery claimed for an attempt (its attempt already counted). */
export interface ClaimedDelivery {
  id: string;
  seq: number;
  announcementId: string;
  channelType: ChannelType;
  target: string;
  kind: NotificationKind;
  severity: Severity;
  fingerprint: string | null;
  orderKey: string | null;
  content: Notification;
  attempts: number;
  /** Set by this claim: only an answer carrying it is written (an older claim's late answer is not). */
  claimToken: string;
  receivedAt: Date;
  orderedAt: Date;
}

export interface DeliveryUpdate {
  id: string;
  /** The claim the answer belongs to (`ClaimedDelivery.claimToken`): a newer claim of the row fences it out. */
  claimToken: string;
  /**
   * The claim's attempt number: during a rolling deploy a replica of the previous release may claim
   * the row again without touching its token, but it does count the attempt.
   */
  attempts: number;
  status: 'pending' | 'sent' | 'failed';
  nextAttemptAt?: Date;
  sentAt?: Date;
  lastError?: string;
  responseStatus?: number;
  responseExcerpt?: string;
}

/** Deliveries as the queue sees them: claiming, folding and recording outcomes. The API's reads are in history/history.repository.ts. */
@Injectable()
export class DeliveriesRepository {
  private readonly deliveries: string;
  private readonly marks: string;
  private readonly approvalPages: string;
  private readonly waits: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: NotifierConfig,
  ) {
    this.deliveries = table(config.dbSchema, 'deliveries');
    this.marks = table(config.dbSchema, 'alert_marks');
    this.approvalPages = table(config.dbSchema, 'approval_pages');
    this.waits = table(config.dbSchema, 'analysis_waits');
  }

  /** Inserts new deliveries; an id already there (a redelivered announcement) is left alone. */
  async insert(manager: EntityManager, rows: NewDelivery[], now: Date): Promise<string[]> {
    const inserted: string[] = [];
    // Postgres takes at most 65535 parameters per statement.
    for (let start = 0; start < rows.length; start += INSERT_CHUNK)
      inserted.push(...(await this.insertChunk(manager, rows.slice(start, start + INSERT_CHUNK), now)));
    return inserted;
  }

  private async insertChunk(manager: EntityManager, rows: NewDelivery[], now: Date): Promise<string[]> {
    if (rows.length === 0) return [];
    const width = 17;
    const values: unknown[] = [now];
    const tuples = rows.map((row, index) => {
      values.push(
        row.id,
        row.announcementId,
        row.announcementSubject,
        row.channel,
        row.channelType,
        row.target,
        row.kind,
        row.severity,
        row.fingerprint ?? null,
      );
      values.push(row.title, JSON.stringify(row.content), row.status, row.lastError ?? null, row.receivedAt, row.orderedAt);
      values.push(row.orderKey ?? row.fingerprint ?? null, row.approvalId ?? null);
      const p = (i: number) => `$${index * width + i + 2}`;
      return `(${Array.from({ length: width }, (_, i) => (i === 10 ? `${p(i)}::jsonb` : p(i))).join(', ')}, $1, $1, $1)`;
    });
    const inserted: Array<{ id: string }> = await manager.query(
      `INSERT INTO ${this.deliveries} (id, announcement_id, announcement_subject, channel, channel_type, target, kind, severity, fingerprint,
         title, content, status, last_error, received_at, ordered_at, order_key, approval_id, next_attempt_at, created_at, updated_at)
       VALUES ${tuples.join(', ')} ON CONFLICT (id) DO NOTHING RETURNING id`,
      values,
    );
    return inserted.map((row) => row.id);
  }

  /**
   * Notes that an approval's request arrived, with the ids of its deliveries (what its decision will
   * resolve); returns the decision already recorded, if any (a request that comes after its
   * decision is not sent). The row is the approval's lock: a request and its decision written at
   * once by two transactions run one after the other, so the later one always sees the earlier.
   */
  async approvalRequested(manager: EntityManager, approvalId: string, deliveryIds: string[], now: Date): Promise<string | null> {
    const [row] = rowsOf<{ decision: string | null }>(
      await manager.query(
        `INSERT INTO ${this.approvalPages} AS p (approval_id, requested_at, request_delivery_ids, updated_at) VALUES ($1, $2, $3, $2)
         ON CONFLICT (approval_id) DO UPDATE SET requested_at = COALESCE(p.requested_at, EXCLUDED.requested_at),
           request_delivery_ids = p.request_delivery_ids || EXCLUDED.request_delivery_ids, updated_at = EXCLUDED.updated_at
         RETURNING p.decision`,
        [approvalId, now, deliveryIds],
      ),
    );
    return row?.decision ?? null;
  }

  /** Notes an approval's decision (the first one stays); returns the page as the decision found it. */
  async approvalDecided(manager: EntityManager, approvalId: string, decision: string, decidedAt: Date, now: Date): Promise<ApprovalPage> {
    const [row] = rowsOf<{ requested: boolean; ids: string[] }>(
      await manager.query(
        `INSERT INTO ${this.approvalPages} AS p (approval_id, decision, decided_at, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (approval_id) DO UPDATE SET decision = COALESCE(p.decision, EXCLUDED.decision),
           decided_at = COALESCE(p.decided_at, EXCLUDED.decided_at), updated_at = EXCLUDED.updated_at
         RETURNING p.requested_at IS NOT NULL AS requested, p.request_delivery_ids AS ids`,
        [approvalId, decision, decidedAt, now],
      ),
    );
    return { requested: row?.requested ?? false, requestDeliveryIds: row?.ids ?? [] };
  }

  /**
   * Where an approval's request went: every delivery of it a channel took (sent, still pending,
   * failed or folded), not those skipped (a disabled channel, or superseded). Looked up by the ids
   * its page holds (primary key).
   */
  async approvalRequestDeliveries(manager: EntityManager, ids: string[]): Promise<ApprovalRequestDelivery[]> {
    if (ids.length === 0) return [];
    return toRequestDeliveries(
      await manager.query(
        `SELECT channel, target, severity, fingerprint, content, ordered_at FROM ${this.deliveries}
          WHERE id = ANY($1) AND status <> 'skipped' ORDER BY seq`,
        [ids],
      ),
    );
  }

  /**
   * The same for a request the page never recorded: one a replica of the previous release took
   * during a rolling deploy (it knows no approval_pages). Found by the dedup key its content has
   * always carried; a scan of the table, paid only by such decisions (and by decisions of approvals
   * never requested). The ids found are noted on the page, so pruning knows them from then on.
   */
  async unrecordedApprovalRequestDeliveries(manager: EntityManager, approvalId: string): Promise<ApprovalRequestDelivery[]> {
    const rows: Array<Record<string, unknown>> = await manager.query(
      `SELECT id, channel, target, severity, fingerprint, content, ordered_at FROM ${this.deliveries}
        WHERE announcement_subject = 'runbooks.approval.requested' AND content->>'dedupKey' = $1 AND status <> 'skipped' ORDER BY seq`,
      [`firebreak-approval-${approvalId}`.slice(0, 255)],
    );
    if (rows.length > 0)
      await manager.query(
        `UPDATE ${this.approvalPages} SET request_delivery_ids = request_delivery_ids || $2::text[] WHERE approval_id = $1`,
        [approvalId, rows.map((row) => row.id as string)],
      );
    return toRequestDeliveries(rows);
  }

  /**
   * The deliveries of an alert episode's firing message (matched by its `started` detail, which is the
   * episode's startsAt), on the wire or waiting to be: where its analysis is posted as a follow-up.
   */
  async firingDeliveries(manager: EntityManager, fingerprint: string, startsAt: string): Promise<FiringDelivery[]> {
    const rows = await manager.query<Array<{ id: string; channel: string; target: string; ordered_at: Date }>>(
      `SELECT id, channel, target, ordered_at FROM ${this.deliveries}
        WHERE fingerprint = $1 AND announcement_subject = 'alerts.notify' AND kind = 'firing' AND status IN ('pending', 'sent')
          AND content->'details' @> jsonb_build_array(jsonb_build_array('started'::text, $2::text))
        ORDER BY seq`,
      [fingerprint, startsAt],
    );
    return rows.map((row) => ({ id: row.id, channel: row.channel, target: row.target, orderedAt: new Date(row.ordered_at) }));
  }

  /**
   * Serialises, per alert episode, the transaction that records its firing message and the one that
   * records its analysis (replicas included): whichever commits second sees the first's rows, so an
   * analysis is either queued behind its firing message or parked and taken by it, never neither.
   * Taken in key order in one statement: two batches cannot deadlock on each other.
   */
  async lockEpisodes(manager: EntityManager, episodes: Array<{ fingerprint: string; startsAt: string }>): Promise<void> {
    if (episodes.length === 0) return;
    await manager.query(
      `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(u.fp || '|' || u.starts_at, 0) AS k
          FROM unnest($1::text[], $2::text[]) AS u(fp, starts_at) ORDER BY 1) AS keys`,
      [episodes.map((e) => e.fingerprint), episodes.map((e) => e.startsAt)],
    );
  }

  /** An analysis whose firing message is not recorded yet waits here (the first one of an episode stays). */
  async parkAnalysis(manager: EntityManager, fingerprint: string, startsAt: string, event: unknown, now: Date): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.waits} (fingerprint, starts_at, event, created_at) VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT DO NOTHING`,
      [fingerprint, startsAt, JSON.stringify(event), now],
    );
  }

  /** Takes (deletes and returns) the analyses parked for these episodes. */
  async takeParked(manager: EntityManager, episodes: Array<{ fingerprint: string; startsAt: string }>): Promise<unknown[]> {
    if (episodes.length === 0) return [];
    const rows = rowsOf<{ event: unknown }>(
      await manager.query(
        `DELETE FROM ${this.waits} w USING unnest($1::text[], $2::text[]) AS u(fp, starts_at)
          WHERE w.fingerprint = u.fp AND w.starts_at = u.starts_at RETURNING w.event`,
        [episodes.map((e) => e.fingerprint), episodes.map((e) => e.startsAt)],
      ),
    );
    return rows.map((row) => row.event);
  }

  /** The Telegram message_id a sent delivery got (`{"ok":true,"result":{"message_id":N,...`, at the head of its stored answer). */
  async messageIdOf(deliveryId: string): Promise<number | undefined> {
    const [row] = await this.dataSource.query<Array<{ response_excerpt: string | null }>>(
      `SELECT response_excerpt FROM ${this.deliveries} WHERE id = $1 AND status = 'sent'`,
      [deliveryId],
    );
    const match = /"message_id"\s*:\s*(\d+)/.exec(row?.response_excerpt ?? '');
    return match ? Number(match[1]) : undefined;
  }

  /** When the channel's earliest pending delivery is due (null when nothing is pending). */
  async nextDueAt(channel: string): Promise<Date | null> {
    const [row] = await this.dataSource.query(
      `SELECT min(next_attempt_at) AS due FROM ${this.deliveries} WHERE channel = $1 AND status = 'pending'`,
      [channel],
    );
    return row?.due ? new Date(row.due) : null;
  }

  /** Pending deliveries per channel: the queue a rate limit or an outage has built up. */
  async pendingByChannel(): Promise<Map<string, number>> {
    const rows: Array<{ channel: string; pending: string }> = await this.dataSource.query(
      `SELECT channel, count(*) AS pending FROM ${this.deliveries} WHERE status = 'pending' GROUP BY channel`,
    );
    return new Map(rows.map((row) => [row.channel, Number(row.pending)]));
  }

  /** How many due deliveries not tried yet the channel has, counting no further than `upTo`. */
  async countBacklog(manager: EntityManager, channel: string, now: Date, upTo: number): Promise<number> {
    const [row] = await manager.query(
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${this.deliveries} WHERE channel = $1 AND status = 'pending' AND attempts = 0 AND next_attempt_at <= $2
           AND announcement_subject <> '${FOLLOW_UP_SUBJECT}' LIMIT $3) AS backlog`,
      [channel, now, upTo],
    );
    return Number(row.n);
  }

  /** Due deliveries not tried yet, oldest first, skipping the first `skip`, locked for folding. */
  async lockBacklog(manager: EntityManager, channel: string, now: Date, skip: number, limit: number) {
    const rows: Array<{
      id: string;
      target: string;
      kind: NotificationKind;
      severity: Severity;
      title: string;
      received_at: Date;
      summary: Notification['summary'] | null;
    }> = await manager.query(
      `SELECT id, target, kind, severity, title, received_at, content->'summary' AS summary FROM ${this.deliveries}
          WHERE channel = $1 AND status = 'pending' AND attempts = 0 AND next_attempt_at <= $2 AND announcement_subject <> '${FOLLOW_UP_SUBJECT}'
          ORDER BY seq OFFSET $3 LIMIT $4 FOR UPDATE SKIP LOCKED`,
      [channel, now, skip, limit],
    );
    return rows.map((row) => ({ ...row, receivedAt: new Date(row.received_at) }));
  }

  async markFolded(manager: EntityManager, ids: string[], into: string, now: Date): Promise<void> {
    await manager.query(
      `UPDATE ${this.deliveries} SET status = 'folded', folded_into = $2, updated_at = $3 WHERE id = ANY($1) AND status = 'pending'`,
      [ids, into, now],
    );
  }

  /**
   * Claims up to `limit` due deliveries of a channel, counts the attempt and gives the claim a fresh
   * token. Only the head of each order key's queue (per target, by announcement time, then by
   * insertion) is claimable, so a resolve never overtakes its trigger. A NULL order key (rows
   * written before the upgrade, or by a replica of the previous release) is the fingerprint. The claim is a lease: a replica that dies mid-send leaves the row due again at
   * `leaseUntil`. Written as one scan plus primary-key lookups, never a self-join: pending rows
   * swing from none to thousands in a storm, exactly when the planner's statistics are stale.
   */
  async claimDue(
    manager: EntityManager,
    channel: string,
    limit: number,
    now: Date,
    leaseUntil: Date,
    options: { followUps?: boolean } = {},
  ): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    // Follow-ups (analyses) wait while the delivery they follow is pending (a primary-key lookup each),
    // come after everything else the round can take, and not at all while the channel folds.
    const rows = rowsOf<Record<string, unknown>>(
      await manager.query(
        `WITH ranked AS (
           SELECT id, seq, next_attempt_at, announcement_subject = '${FOLLOW_UP_SUBJECT}' AS follow_up, content->>'followUpOf' AS follow_up_of,
                  COALESCE(order_key, fingerprint) IS NULL
                  OR row_number() OVER (PARTITION BY target, COALESCE(order_key, fingerprint) ORDER BY ordered_at, seq) = 1 AS head
             FROM ${this.deliveries} WHERE channel = $1 AND status = 'pending'),
         picked AS (
           SELECT id FROM ${this.deliveries}
            WHERE id = ANY(ARRAY(
                    SELECT r.id FROM ranked r
                     WHERE r.head AND r.next_attempt_at <= $2 AND (NOT r.follow_up OR $5::boolean)
                       AND (r.follow_up_of IS NULL OR NOT EXISTS (
                             SELECT 1 FROM ${this.deliveries} f WHERE f.id = r.follow_up_of AND f.status = 'pending'))
                     ORDER BY r.follow_up, r.seq LIMIT $3))
              AND status = 'pending'
            FOR UPDATE SKIP LOCKED)
         UPDATE ${this.deliveries} d SET attempts = d.attempts + 1, claim_token = gen_random_uuid(), next_attempt_at = $4, updated_at = $2
           FROM picked WHERE d.id = picked.id
         RETURNING d.id, d.seq, d.announcement_id, d.channel_type, d.target, d.kind, d.severity, d.fingerprint,
                   COALESCE(d.order_key, d.fingerprint) AS order_key, d.content, d.attempts,
                   d.claim_token, d.received_at, d.ordered_at`,
        [channel, now, limit, leaseUntil, options.followUps ?? true],
      ),
    );
    return rows.map(toClaimed).sort((a, b) => a.seq - b.seq);
  }

  /**
   * A delivery can be recorded after a newer one with its order key was already put on the wire (a
   * trigger redelivered, or from another replica, after its resolve went out): sending it now would
   * break the order, so such claimed deliveries are skipped instead. Returns the ids skipped.
   */
  async skipSuperseded(manager: EntityManager, claimed: ClaimedDelivery[], now: Date): Promise<Set<string>> {
    const ids = claimed.filter((d) => d.orderKey !== null).map((d) => d.id);
    if (ids.length === 0) return new Set();
    const result: unknown = await manager.query(
      `UPDATE ${this.deliveries} d SET status = 'skipped', attempts = d.attempts - 1, last_error = 'superseded: a newer announcement about this alert was already sent', updated_at = $2
         FROM ${this.marks} m
        WHERE d.id = ANY($1) AND m.channel = d.channel AND m.target = d.target AND m.fingerprint = COALESCE(d.order_key, d.fingerprint) AND m.sent_ordered_at > d.ordered_at
        RETURNING d.id`,
      [ids, now],
    );
    return new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
  }

  /**
   * Remembers the newest announcement put on the wire per order key and target, in the transaction
   * that claims it. Marking at the claim, not at the answer, is what keeps the order: a row that
   * arrives (or comes back from a retry) older than one already on the wire is superseded even
   * while that one still waits for its answer or retries. The marks' `fingerprint` column holds the
   * order key (the fingerprint for alerts): replicas of the previous release read and write it too.
   */
  async markOnWire(manager: EntityManager, channel: string, claimed: ClaimedDelivery[], now: Date): Promise<void> {
    const keyed = claimed.filter((d) => d.orderKey !== null);
    if (keyed.length === 0) return;
    await manager.query(
      `INSERT INTO ${this.marks} (channel, target, fingerprint, sent_ordered_at, updated_at)
       SELECT $1, u.target, u.order_key, max(u.ordered_at), $5 FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS u(target, order_key, ordered_at)
        GROUP BY u.target, u.order_key
       ON CONFLICT (channel, target, fingerprint) DO UPDATE
         SET sent_ordered_at = GREATEST(${this.marks}.sent_ordered_at, EXCLUDED.sent_ordered_at), updated_at = EXCLUDED.updated_at`,
      [channel, keyed.map((d) => d.target), keyed.map((d) => d.orderKey), keyed.map((d) => d.orderedAt), now],
    );
  }

  /**
   * Records answers, each only if its row is still pending under the claim the answer belongs to.
   * A row whose lease ran out while its answer waited (Postgres away) may have been claimed again by
   * another replica, or failed and been retried by an operator (which resets `attempts`, so the
   * attempt number cannot tell the claims apart): the late answer must not overwrite that claim,
   * so it is fenced out by the claim token. The attempt number fences too: a replica of the previous
   * release, during a rolling deploy, claims without a token. Returns the ids actually updated: only those may be announced.
   */
  async applyOutcomes(manager: EntityManager, updates: DeliveryUpdate[], now: Date): Promise<Set<string>> {
    if (updates.length === 0) return new Set();
    const result: unknown = await manager.query(
      `UPDATE ${this.deliveries} d SET status = u.status, next_attempt_at = COALESCE(u.next_attempt_at, d.next_attempt_at), sent_at = u.sent_at,
              last_error = COALESCE(u.last_error, d.last_error), response_status = u.response_status,
              response_excerpt = COALESCE(u.response_excerpt, d.response_excerpt), updated_at = $9
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::int[], $8::text[], $10::int[])
              AS u(id, claim_token, status, next_attempt_at, sent_at, last_error, response_status, response_excerpt, attempts)
        WHERE d.id = u.id AND d.status = 'pending' AND d.claim_token = u.claim_token AND d.attempts = u.attempts
        RETURNING d.id`,
      [
        updates.map((u) => u.id),
        updates.map((u) => u.claimToken),
        updates.map((u) => u.status),
        updates.map((u) => u.nextAttemptAt ?? null),
        updates.map((u) => u.sentAt ?? null),
        updates.map((u) => u.lastError ?? null),
        updates.map((u) => u.responseStatus ?? null),
        updates.map((u) => u.responseExcerpt ?? null),
        now,
        updates.map((u) => u.attempts),
      ],
    );
    return new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
  }

  /**
   * Whether a newer announcement with the delivery's order key was already put on the wire to its
   * target: sent now, it would break the order, so the claim would skip it as superseded.
   */
  async isSuperseded(manager: EntityManager, id: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM ${this.deliveries} d JOIN ${this.marks} m
           ON m.channel = d.channel AND m.target = d.target AND m.fingerprint = COALESCE(d.order_key, d.fingerprint)
        WHERE d.id = $1 AND m.sent_ordered_at > d.ordered_at`,
      [id],
    );
    return rows.length > 0;
  }

  /** A failed delivery goes back to the queue for a fresh set of attempts. */
  async requeue(manager: EntityManager, id: string, now: Date): Promise<boolean> {
    const result: unknown = await manager.query(
      `UPDATE ${this.deliveries} SET status = 'pending', attempts = 0, claim_token = NULL, next_attempt_at = $2, updated_at = $2
        WHERE id = $1 AND status = 'failed' RETURNING id`,
      [id, now],
    );
    return rowsOf(result).length > 0;
  }

  /**
   * Forgets deliveries no longer pending that are older than the history window, a bounded batch at
   * a time. An approval waits for its decision however long its timeout is (no upper bound), so the
   * deliveries of its request, and its page, are kept until the decision is recorded: a decision
   * always finds where to resolve. A page goes only once decided and its request's deliveries are gone.
   */
  async prune(before: Date, waitsBefore: Date = before): Promise<number> {
    // Analyses whose firing message never came: the alert went to no opted-in channel.
    await this.dataSource.query(
      `DELETE FROM ${this.waits} WHERE ctid IN (SELECT ctid FROM ${this.waits} WHERE created_at < $1 LIMIT 1000)`,
      [waitsBefore],
    );
    const result: unknown = await this.dataSource.query(
      `DELETE FROM ${this.deliveries} WHERE ctid IN (
         SELECT d.ctid FROM ${this.deliveries} d
          WHERE d.status <> 'pending' AND d.updated_at < $1
            AND (d.announcement_subject <> 'runbooks.approval.requested' OR EXISTS (
                  SELECT 1 FROM ${this.approvalPages} p
                   WHERE p.approval_id = COALESCE(d.approval_id, substring(d.content->>'dedupKey' from 20)) AND p.decision IS NOT NULL))
          LIMIT 1000) RETURNING id`,
      [before],
    );
    await this.dataSource.query(
      `DELETE FROM ${this.marks} WHERE ctid IN (SELECT ctid FROM ${this.marks} WHERE updated_at < $1 LIMIT 1000)`,
      [before],
    );
    await this.dataSource.query(
      `DELETE FROM ${this.approvalPages} WHERE ctid IN (
         SELECT p.ctid FROM ${this.approvalPages} p
          WHERE p.decision IS NOT NULL AND p.updated_at < $1
            AND NOT EXISTS (SELECT 1 FROM ${this.deliveries} d WHERE d.id = ANY(p.request_delivery_ids))
          LIMIT 1000)`,
      [before],
    );
    return rowsOf(result).length;
  }
}

function toRequestDeliveries(rows: Array<Record<string, unknown>>): ApprovalRequestDelivery[] {
  return rows.map((row) => ({
    channel: row.channel as string,
    target: row.target as string,
    severity: row.severity as Severity,
    fingerprint: (row.fingerprint as string | null) ?? null,
    content: row.content as Notification,
    orderedAt: new Date(row.ordered_at as string),
  }));
}

function toClaimed(row: Record<string, unknown>): ClaimedDelivery {
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
