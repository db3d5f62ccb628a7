import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import { NotifierConfig } from '../service';

/** What a chat reply names: the runbook of an approval, the alertname of an alert, as their messages said. */
@Injectable()
export class ChatRepository {
  private readonly deliveries: string;
  private readonly approvalPages: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: NotifierConfig,
  ) {
    this.deliveries = table(config.dbSchema, 'deliveries');
    this.approvalPages = table(config.dbSchema, 'approval_pages');
  }

  /** The message's source line, e.g. `runbook restart_service`; undefined when its request was never seen here. */
  async approvalSource(approvalId: string): Promise<string | undefined> {
    const rows: Array<{ source: string | null }> = await this.dataSource.query(
      `SELECT d.content->>'source' AS source FROM ${this.approvalPages} p JOIN ${this.deliveries} d ON d.id = ANY(p.request_delivery_ids)
        WHERE p.approval_id = $1 LIMIT 1`,
      [approvalId],
    );
    return rows[0]?.source ?? undefined;
  }

  /** The decision the notifier has seen announced for an approval (approved, rejected, expired), if any. */
  async approvalDecision(approvalId: string): Promise<string | undefined> {
    const rows: Array<{ decision: string | null }> = await this.dataSource.query(
      `SELECT decision FROM ${this.approvalPages} WHERE approval_id = $1`,
      [approvalId],
    );
    return rows[0]?.decision ?? undefined;
  }

  async alertSource(fingerprint: string): Promise<string | undefined> {
    const rows: Array<{ source: string | null }> = await this.dataSource.query(
      `SELECT content->>'source' AS source FROM ${this.deliveries} WHERE fingerprint = $1 ORDER BY seq DESC LIMIT 1`,
      [fingerprint],
    );
    return rows[0]?.source ?? undefined;
  }
}
