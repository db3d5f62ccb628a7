import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { Severity } from '@firebreak/contracts';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { Notification } from '../notifications/notification';
import { NotifierConfig } from '../service';
import { ApprovalPage, ApprovalRequestDelivery } from './delivery.types';

/** Approval pages (where a decision resolves its request) and how long delivery history is kept. */
@Injectable()
export class DeliveryHistoryRepository {
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
  /** Pending deliveries per channel: the queue a rate limit or an outage has built up. */
  async pendingByChannel(): Promise<Map<string, number>> {
    const rows: Array<{ channel: string; pending: string }> = await this.dataSource.query(
      `SELECT channel, count(*) AS pending FROM ${this.deliveries} WHERE status = 'pending' GROUP BY channel`,
    );
    return new Map(rows.map((row) => [row.channel, Number(row.pending)]));
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
