import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SqlRunner } from '../core/write-batch';
import { AlertLifecycle } from '@firebreak/contracts';
import { CONFIG, table } from '@firebreak/platform';
import { MapperConfig } from '../service';

/** 9,000 parameters a statement: far below Postgres's 65,535, and a size the write batch can combine with others. */
export const HISTORY_ROWS_PER_STATEMENT = 1_000;

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

  /**
   * All entries of a transaction, in statements of at most `HISTORY_ROWS_PER_STATEMENT` rows: 9
   * parameters a row would pass Postgres's limit of 65,535 per statement at about 7,000 entries.
   */
  async insert(runner: SqlRunner, entries: HistoryEntry[]): Promise<void> {
    for (let start = 0; start < entries.length; start += HISTORY_ROWS_PER_STATEMENT) {
      await this.insertRows(runner, entries.slice(start, start + HISTORY_ROWS_PER_STATEMENT));
    }
  }

  private async insertRows(runner: SqlRunner, entries: HistoryEntry[]): Promise<void> {
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
