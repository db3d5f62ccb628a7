import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Severity } from '@firebreak/contracts';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { Notification, NotificationKind } from '../notifications/notification';
import { NotifierConfig } from '../service';
import { CLAIMED_COLUMNS, claimablePicked, FOLLOW_UP_SUBJECT, SUPERSEDED, toClaimed } from './claim-statement';
import { ClaimedDelivery, NewDelivery } from './delivery.types';

/**
 * Deliveries as the queue sees them: what is sent next (claim, order keys, superseded marks, folding, follow-up waits;
 * the claim's SQL in claim-statement.ts). Outcomes: delivery-outcomes.repository.ts; approval pages and pruning:
 * delivery-history.repository.ts; parked analyses: analysis-waits.repository.ts; the API's reads: history/.
 */
/** Characters of JSON contents per insert statement: at most ~3 bytes each in UTF-8, well under jsonb's 256 MB. */
export const CONTENT_CHARS_PER_STATEMENT = 32 * 1024 * 1024;

@Injectable()
export class DeliveriesRepository {
  /** Characters of JSON contents per insert statement (a test lowers it to see the split). */
  contentCharsPerStatement = CONTENT_CHARS_PER_STATEMENT;
  private readonly deliveries: string;
  private readonly marks: string;
  private readonly buckets: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: NotifierConfig,
  ) {
    this.deliveries = table(config.dbSchema, 'deliveries');
    this.marks = table(config.dbSchema, 'alert_marks');
    this.buckets = table(config.dbSchema, 'rate_buckets');
  }

  /**
   * Inserts new deliveries, in the order given (their `seq`, which orders an alert's deliveries of one announcement
   * time); an id already there (a redelivered announcement) is left alone. Returns the ids inserted.
   *
   * One array per column through `unnest`, not a VALUES list: with one parameter per field, Postgres planned each
   * statement over thousands of constants (each jsonb copied through the planner), a large share of its CPU per
   * delivery at intake; the arrays are planned like a statement of one row. The ordinality keeps the given order. The
   * contents go as one JSON array: as a jsonb[] each had to be escaped into an array literal, in this process.
   */
  async insert(manager: EntityManager, rows: NewDelivery[], now: Date): Promise<string[]> {
    // Each content encoded once; a statement takes contents up to contentCharsPerStatement, as Postgres refuses a
    // jsonb over 256 MB (a storm of large alerts to two webhooks is more than that in one batch).
    const contents = rows.map((row) => JSON.stringify(row.content));
    const inserted: string[] = [];
    let start = 0;
    while (start < rows.length) {
      let end = start;
      let chars = 0;
      do chars += contents[end++].length;
      while (end < rows.length && chars + contents[end].length <= this.contentCharsPerStatement);
      inserted.push(...(await this.insertChunk(manager, rows.slice(start, end), `[${contents.slice(start, end).join(',')}]`, now)));
      start = end;
    }
    return inserted;
  }

  private async insertChunk(manager: EntityManager, rows: NewDelivery[], contents: string, now: Date): Promise<string[]> {
    const column = <T>(value: (row: NewDelivery) => T) => rows.map(value);
    const inserted: Array<{ id: string }> = await manager.query(
      `INSERT INTO ${this.deliveries} (id, announcement_id, announcement_subject, channel, channel_type, target, kind, severity, fingerprint,
         title, content, status, last_error, received_at, ordered_at, order_key, approval_id, next_attempt_at, created_at, updated_at)
       SELECT u.id, u.announcement_id, u.announcement_subject, u.channel, u.channel_type, u.target, u.kind, u.severity, u.fingerprint,
              u.title, c.content, u.status, u.last_error, u.received_at, u.ordered_at, u.order_key, u.approval_id, $1, $1, $1
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                     $11::text[], $13::text[], $14::text[], $15::timestamptz[], $16::timestamptz[], $17::text[], $18::text[])
              WITH ORDINALITY AS u(id, announcement_id, announcement_subject, channel, channel_type, target, kind, severity, fingerprint,
                   title, status, last_error, received_at, ordered_at, order_key, approval_id, position)
         JOIN jsonb_array_elements($12::jsonb) WITH ORDINALITY AS c(content, position) ON c.position = u.position
        ORDER BY u.position
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        now,
        column((row) => row.id),
        column((row) => row.announcementId),
        column((row) => row.announcementSubject),
        column((row) => row.channel),
        column((row) => row.channelType),
        column((row) => row.target),
        column((row) => row.kind),
        column((row) => row.severity),
        column((row) => row.fingerprint ?? null),
        column((row) => row.title),
        contents,
        column((row) => row.status),
        column((row) => row.lastError ?? null),
        column((row) => row.receivedAt),
        column((row) => row.orderedAt),
        column((row) => row.orderKey ?? row.fingerprint ?? null),
        column((row) => row.approvalId ?? null),
      ],
    );
    return inserted.map((row) => row.id);
  }

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
   * insertion) is claimable, so a resolve never overtakes its trigger; a pending head still on the
   * wire (its lease not over) holds back the rest of its queue. A NULL order key (rows written before
   * the upgrade, or by a replica of the previous release) is the fingerprint; with neither, a row
   * waits for nothing. The claim is a lease: a replica that dies mid-send leaves the row due again at
   * `leaseUntil`.
   *
   * It costs what it returns, not what is pending: due rows are read in due order off
   * `deliveries_due_idx` and each is kept only if it is its queue's head, one probe of
   * `deliveries_head_idx` (a correlated `LIMIT 1` subquery, which the planner runs per row whatever
   * its statistics say: pending rows swing from none to thousands in a storm, exactly when they are
   * stale). The scan stops at `limit` heads. The rows picked are locked SKIP LOCKED and re-checked
   * as still pending and due: a row another claim took and committed meanwhile is due only after
   * its lease, so it is never claimed twice; nor is one this replica still `held` (ClaimLeases), lease over or not.
   */
  async claimDue(
    manager: EntityManager,
    channel: string,
    limit: number,
    now: Date,
    leaseUntil: Date,
    options: { followUps?: boolean; held?: string[] } = {},
  ): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    const rows = rowsOf<Record<string, unknown>>(
      await manager.query(
        `WITH ${claimablePicked(this.deliveries)}
         UPDATE ${this.deliveries} d SET attempts = d.attempts + 1, claim_token = gen_random_uuid(), next_attempt_at = $4, updated_at = $2
           FROM picked WHERE d.id = picked.id
         RETURNING ${CLAIMED_COLUMNS}`,
        [channel, now, limit, leaseUntil, options.followUps ?? true, options.held ?? []],
      ),
    );
    return rows.map(toClaimed).sort((a, b) => a.seq - b.seq);
  }

  /**
   * A round's claim (as claimDue) put on the wire in the same statement, with the channel's rate bucket (`bucket`:
   * refilled, locked by the caller) written less what goes out:
   *
   * - A delivery can be recorded after a newer one with its order key was already put on the wire (a trigger
   *   redelivered, or from another replica, after its resolve went out): sending it now would break the order, so it
   *   is skipped as superseded instead (its attempt uncounted).
   * - For the others it remembers the newest announcement on the wire per order key and target. Marking at the claim,
   *   not at the answer, is what keeps the order: a row that arrives (or comes back from a retry) older than one already
   *   on the wire is superseded even while that one still waits for its answer or retries. The marks' `fingerprint`
   *   column holds the order key (the fingerprint for alerts): replicas of the previous release read and write it too.
   *
   * A claim holds at most one delivery per order key and target (only heads are claimable), so none of them can
   * supersede another, and no mark the statement writes is one it needs to read. Each row probes its own mark's primary
   * key (a scalar subquery, whatever the statistics say): as a join, every round hashed all of `alert_marks`. The marks
   * are read under the bucket's lock: claims of one channel never overlap.
   */
  async claimOntoWire(
    manager: EntityManager,
    channel: string,
    limit: number,
    now: Date,
    leaseUntil: Date,
    bucket: { tokens: number; refilledAt: Date },
    options: { followUps?: boolean; held?: string[] } = {},
  ): Promise<{ deliveries: ClaimedDelivery[]; superseded: number }> {
    const rows = rowsOf<Record<string, unknown>>(
      await manager.query(
        `WITH ${claimablePicked(this.deliveries)},
         judged AS (
           SELECT p.id, COALESCE((SELECT m.sent_ordered_at FROM ${this.marks} m
                                   WHERE m.channel = $1 AND m.target = p.target AND m.fingerprint = p.order_key) > p.ordered_at, false) AS superseded
             FROM picked p),
         claimed AS (
           UPDATE ${this.deliveries} d SET attempts = d.attempts + CASE WHEN j.superseded THEN 0 ELSE 1 END,
                  status = CASE WHEN j.superseded THEN 'skipped' ELSE d.status END,
                  last_error = CASE WHEN j.superseded THEN $9 ELSE d.last_error END,
                  claim_token = gen_random_uuid(), next_attempt_at = $4, updated_at = $2
             FROM judged j WHERE d.id = j.id
           RETURNING ${CLAIMED_COLUMNS}, j.superseded),
         marked AS (
           INSERT INTO ${this.marks} (channel, target, fingerprint, sent_ordered_at, updated_at)
           SELECT $1, c.target, c.order_key, max(c.ordered_at), $2 FROM claimed c
            WHERE NOT c.superseded AND c.order_key IS NOT NULL
            GROUP BY c.target, c.order_key
           ON CONFLICT (channel, target, fingerprint) DO UPDATE
             SET sent_ordered_at = GREATEST(${this.marks}.sent_ordered_at, EXCLUDED.sent_ordered_at), updated_at = EXCLUDED.updated_at),
         spent AS (
           UPDATE ${this.buckets} SET tokens = $7::float8 - (SELECT count(*) FROM claimed WHERE NOT superseded), refilled_at = $8
            WHERE channel = $1)
         SELECT * FROM claimed`,
        [channel, now, limit, leaseUntil, options.followUps ?? true, options.held ?? [], bucket.tokens, bucket.refilledAt, SUPERSEDED],
      ),
    );
    const deliveries = rows.filter((row) => !row.superseded).map(toClaimed);
    return { deliveries: deliveries.sort((a, b) => a.seq - b.seq), superseded: rows.length - deliveries.length };
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
