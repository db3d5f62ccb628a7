import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { jsonArray, RowWrite, WriteBatch } from '../core/write-batch';
import { jsonTuples } from '../core/json-tuples';
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
  private readonly rows: RowWrite<HistoryEntry>;

  constructor(
    @Inject(CONFIG) config: MapperConfig,
    private readonly dataSource: DataSource,
  ) {
    this.table = table(config.dbSchema, 'alert_history');
    const tuples = jsonTuples<HistoryEntry>(
      'fingerprint text, at timestamptz, "sourceId" text, action text, "from" text, "to" text, actor text, note text, details jsonb',
    );
    const sql = `INSERT INTO ${this.table} (fingerprint, at, source_id, action, from_status, to_status, actor, note, details)
       SELECT r.fingerprint, r.at, r."sourceId", r.action, r."from", r."to", r.actor, r.note, coalesce(r.details, '{}')
         FROM ${tuples.from('$1')}
        ORDER BY r.n`;
    // A chunk's entries as tuples, in one JSON document (the batch sizes the chunks).
    this.rows = { encode: tuples.tuple, statements: (_, encoded) => [{ sql, params: [jsonArray(encoded)] }] };
  }

  /** Queues the entries on the batch: a transaction's go out in a statement per chunk, in the order queued (their ids follow it). */
  insert(batch: WriteBatch, entries: HistoryEntry[]): void {
    for (const entry of entries) batch.row(this.rows, entry);
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
