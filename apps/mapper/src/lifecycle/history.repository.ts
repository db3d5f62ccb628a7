import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SqlRunner } from '../core/write-batch';
import { AlertLifecycle } from '@firebreak/contracts';
import { CONFIG, table } from '@firebreak/platform';
import { MapperConfig } from '../service';

export interface HistoryEntry {
  fingerprint: string;
  at: Date;
  sourceId: string;
  action: string;
  from: AlertLifecycle | null;
  to: AlertLifecycle | null;
  actor?: string;
  note?: string;
  details?: Record<string, unknown>;
}

export interface HistoryView {
  id: string;
  at: Date;
  action: string;
  from: string | null;
  to: string | null;
  actor: string | null;
  note: string | null;
  sourceId: string | null;
  details: Record<string, unknown>;
}

/** `alert_history`: every change of an alert, and every event that was recorded but changed nothing. */
@Injectable()
export class HistoryRepository {
  private readonly table: string;

  constructor(
    @Inject(CONFIG) config: MapperConfig,
    private readonly dataSource: DataSource,
  ) {
    this.table = table(config.dbSchema, 'alert_history');
  }

  /** One statement for all entries of a transaction. */
  async insert(runner: SqlRunner, entries: HistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const params: unknown[] = [];
    const rows = entries.map((entry) => {
      params.push(
        entry.fingerprint,
        entry.at,
        entry.sourceId,
        entry.action,
        entry.from,
        entry.to,
        entry.actor ?? null,
        entry.note ?? null,
        JSON.stringify(entry.details ?? {}),
      );
      const base = params.length - 9;
      return `(${Array.from({ length: 9 }, (_, i) => `$${base + i + 1}`).join(', ')}::jsonb)`;
    });
    await runner.query(
      `INSERT INTO ${this.table} (fingerprint, at, source_id, action, from_status, to_status, actor, note, details) VALUES ${rows.join(', ')}`,
      params,
    );
  }

  /** The newest `limit` entries, oldest first. */
  async recent(fingerprint: string, limit: number): Promise<HistoryView[]> {
    return this.dataSource.query(
      `SELECT * FROM (
         SELECT id::text AS id, at, action, from_status AS "from", to_status AS "to", actor, note, source_id AS "sourceId", details
           FROM ${this.table} WHERE fingerprint = $1 ORDER BY id DESC LIMIT $2
       ) recent ORDER BY id::bigint`,
      [fingerprint, limit],
    );
  }
}
