import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Severity } from '@firebreak/contracts';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { ChannelType } from '../channel-config/channels.config';
import { Notification, NotificationKind } from '../notifications/notification';
import { NotifierConfig } from '../service';
import { ClaimedDelivery, NewDelivery } from './delivery.types';

const INSERT_CHUNK = 2_000;
/** Follow-ups (an alert's analysis): never folded into a summary, sent after the channel's other messages. */
const FOLLOW_UP_SUBJECT = 'alerts.analysis';
/**
 * Deliveries as the queue sees them: what is sent next (claim, order keys, superseded marks, folding,
 * follow-up waits). Outcomes are written by delivery-outcomes.repository.ts, approval pages and pruning
 * are in delivery-history.repository.ts, analyses waiting for their firing message in
 * analysis-waits.repository.ts; the API's reads are in history/history.repository.ts.
 */
@Injectable()
export class DeliveriesRepository {
  private readonly deliveries: string;
  private readonly marks: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: NotifierConfig,
  ) {
    this.deliveries = table(config.dbSchema, 'deliveries');
    this.marks = table(config.dbSchema, 'alert_marks');
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
   * The deliveries of an alert episode's firing message (matched by its `started` detail, which is the
   * episode's startsAt), whatever their status: none means the firing message is not recorded yet.
   * Its analysis follows those on the wire or waiting to be (`pending`, `sent`).
   */
  /**
   * The provider's id of the message a sent delivery posted, read from the head of its stored answer:
   * Telegram's `"message_id":N`, or the `"ts":"…"` of a Slack Web API post. Undefined when it has none.
   */
  async messageIdOf(deliveryId: string): Promise<string | undefined> {
    const [row] = await this.dataSource.query<Array<{ response_excerpt: string | null }>>(
      `SELECT response_excerpt FROM ${this.deliveries} WHERE id = $1 AND status = 'sent'`,
      [deliveryId],
    );
    const answer = row?.response_excerpt ?? '';
    const match = /"message_id"\s*:\s*(\d+)/.exec(answer) ?? /"ts"\s*:\s*"(\d+\.\d+)"/.exec(answer);
    return match?.[1];
  }

  /** When the channel's earliest pending delivery is due (null when nothing is pending). */
  async nextDueAt(channel: string): Promise<Date | null> {
    const [row] = await this.dataSource.query(
      `SELECT min(next_attempt_at) AS due FROM ${this.deliveries} WHERE channel = $1 AND status = 'pending'`,
      [channel],
    );
    return row?.due ? new Date(row.due) : null;
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
    // come after everything else the round can take, and not at all while the channel folds. Only a
    // follow-up's content is read: reading `content` of every pending row made each claim detoast the
    // whole backlog, and a 10,000-alert storm stopped draining. `OFFSET 0` keeps that read in the scan,
    // below the window's sort: written in the outer select, the sort carried every row's `content` and
    // spilled to disk (EXPLAIN ANALYZE, 2,446 pending webhook rows: an external merge of 4 MB per claim).
    const rows = rowsOf<Record<string, unknown>>(
      await manager.query(
        `WITH ranked AS (
           SELECT id, seq, next_attempt_at, follow_up, follow_up_of,
                  order_key IS NULL OR row_number() OVER (PARTITION BY target, order_key ORDER BY ordered_at, seq) = 1 AS head
             FROM (SELECT id, seq, next_attempt_at, target, ordered_at, COALESCE(order_key, fingerprint) AS order_key,
                          announcement_subject = '${FOLLOW_UP_SUBJECT}' AS follow_up,
                          CASE WHEN announcement_subject = '${FOLLOW_UP_SUBJECT}' THEN content->>'followUpOf' END AS follow_up_of
                     FROM ${this.deliveries} WHERE channel = $1 AND status = 'pending' OFFSET 0) AS pending),
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
