import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CONFIG } from '@firebreak/platform';
import type { ExecutorConfig } from '../service';

/** The lifecycle state of alerts as the mapper announces it; only what verification needs. */
@Injectable()
export class AlertStatesRepository {
  private readonly table: string;

  constructor(@Inject(CONFIG) config: ExecutorConfig) {
    this.table = `"${config.dbSchema}".alert_states`;
  }

  /** Keeps the newest state; an older event arriving late changes nothing. */
  async upsert(manager: EntityManager, fingerprint: string, status: string, at: Date): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.table} (fingerprint, status, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (fingerprint) DO UPDATE SET status = EXCLUDED.status, changed_at = EXCLUDED.changed_at WHERE ${this.table}.changed_at <= EXCLUDED.changed_at`,
      [fingerprint, status, at],
    );
  }

  async resolvedSince(manager: EntityManager, fingerprint: string, since: Date): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM ${this.table} WHERE fingerprint = $1 AND status = 'resolved' AND changed_at >= $2`, [fingerprint, since]);
    return rows.length > 0;
  }
}
