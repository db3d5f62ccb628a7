import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import { batchLimits, MapperConfig } from '../service';
import { BatchLimits, chunkRows, jsonArray, RowWrite, WriteBatch } from '../core/write-batch';
import { jsonTuples } from '../core/json-tuples';
import { ALERT_COLUMNS, AlertRecord, alertSelectList } from './alert-record';

/** The Postgres type of each column written (all but `updated_at`, which Postgres sets). */
const COLUMN_TYPES: Record<Exclude<keyof AlertRecord, 'updatedAt'>, string> = {
  fingerprint: 'text',
  alertname: 'text',
  severity: 'text',
  status: 'text',
  source: 'text',
  labels: 'jsonb',
  annotations: 'jsonb',
  generatorURL: 'text',
  startsAt: 'timestamptz',
  endsAt: 'timestamptz',
  eventAt: 'timestamptz',
  eventReceivedAt: 'timestamptz',
  firstSeen: 'timestamptz',
  lastSeen: 'timestamptz',
  occurrences: 'integer',
  lastAnnouncedAt: 'timestamptz',
  silenceId: 'uuid',
  acknowledgedBy: 'text',
  acknowledgedAt: 'timestamptz',
  acknowledgeNote: 'text',
  resolvedBy: 'text',
  resolvedAt: 'timestamptz',
  resolveNote: 'text',
  escalatedAt: 'timestamptz',
  runbook: 'jsonb',
  stampedAt: 'timestamptz',
};
const FIELDS = Object.keys(COLUMN_TYPES) as Array<keyof typeof COLUMN_TYPES>;
/** The records as one JSON document of tuples, read back by field name: `r."startsAt"`, ... */
const TUPLES = jsonTuples<AlertRecord>(FIELDS.map((field) => `"${field}" ${COLUMN_TYPES[field]}`).join(', '));
const RECORDS = TUPLES.from('$1');

const byFingerprint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The `alerts` table as the lifecycle changes it: every read here locks the rows it returns, and
 * every write is to a row the transaction holds. Rows are locked and inserted in fingerprint
 * order, so two transactions never wait on each other in a cycle. (Reads for the API are in
 * alerts/alerts.repository.ts.)
 */
@Injectable()
export class AlertStateRepository {
  private readonly table: string;
  private readonly select = alertSelectList('a');
  private readonly updates: RowWrite<AlertRecord>;
  private readonly insert: string;
  private readonly limits: BatchLimits;

  constructor(@Inject(CONFIG) config: MapperConfig) {
    this.table = table(config.dbSchema, 'alerts');
    this.limits = batchLimits(config);
    this.insert = `INSERT INTO ${this.table} (${FIELDS.map((field) => ALERT_COLUMNS[field]).join(', ')})
       SELECT ${FIELDS.map((field) => `r."${field}"`).join(', ')} FROM ${RECORDS} ORDER BY r.n
       ON CONFLICT (fingerprint) DO NOTHING RETURNING fingerprint`;
    const sets = FIELDS.filter((field) => field !== 'fingerprint').map((field) => `${ALERT_COLUMNS[field]} = r."${field}"`);
    const sql = `UPDATE ${this.table} a SET ${sets.join(', ')}, updated_at = now() FROM ${RECORDS} WHERE a.fingerprint = r.fingerprint`;
    this.updates = {
      key: (record) => record.fingerprint,
      encode: TUPLES.tuple,
      statements: (_, encoded) => [{ sql, params: [jsonArray(encoded)] }],
    };
  }

  async lock(manager: EntityManager, fingerprint: string): Promise<AlertRecord | null> {
    const rows: AlertRecord[] = await manager.query(`SELECT ${this.select} FROM ${this.table} a WHERE a.fingerprint = $1 FOR UPDATE`, [
      fingerprint,
    ]);
    return rows[0] ?? null;
  }

  /** The stored rows of those fingerprints that have one, locked. */
  async lockMany(manager: EntityManager, fingerprints: readonly string[]): Promise<Map<string, AlertRecord>> {
    const rows: AlertRecord[] = await manager.query(
      `SELECT ${this.select} FROM ${this.table} a WHERE a.fingerprint = ANY($1) ORDER BY a.fingerprint FOR UPDATE`,
      [[...fingerprints].sort(byFingerprint)],
    );
    return new Map(rows.map((row) => [row.fingerprint, row]));
  }

  /**
   * Inserts the records, a statement per chunk of them (`limits`; in fingerprint order, so the lock
   * order holds across chunks), and returns the fingerprints inserted. One missing from the answer
   * was inserted meanwhile by another transaction (which this one waited for).
   */
  async insertNew(manager: EntityManager, records: readonly AlertRecord[]): Promise<Set<string>> {
    const sorted = [...records].sort((a, b) => byFingerprint(a.fingerprint, b.fingerprint));
    const encoded = sorted.map((record) => JSON.stringify(TUPLES.tuple(record)));
    const inserted = new Set<string>();
    for (const [start, end] of chunkRows(encoded, this.limits)) {
      const rows: Array<{ fingerprint: string }> = await manager.query(this.insert, [jsonArray(encoded.slice(start, end))]);
      for (const row of rows) inserted.add(row.fingerprint);
    }
    return inserted;
  }

  /**
   * Writes the alert as `record` (the row the transaction holds locked, with its decision's changes):
   * the transaction's updates go out as one statement at flush, the last of an alert winning.
   */
  update(batch: WriteBatch, record: AlertRecord): void {
    batch.row(this.updates, record);
  }

  /** Locks the alerts in the given statuses whose labels contain `contains` (a cheap pre-filter). */
  async lockByStatus(manager: EntityManager, statuses: string[], contains: Record<string, string>): Promise<AlertRecord[]> {
    return manager.query(
      `SELECT ${this.select} FROM ${this.table} a WHERE a.status = ANY($1) AND a.labels @> $2::jsonb ORDER BY a.fingerprint FOR UPDATE`,
      [statuses, JSON.stringify(contains)],
    );
  }

  async lockSilencedBy(manager: EntityManager, silenceId: string): Promise<AlertRecord[]> {
    return manager.query(
      `SELECT ${this.select} FROM ${this.table} a WHERE a.silence_id = $1 AND a.status = 'silenced' ORDER BY a.fingerprint FOR UPDATE`,
      [silenceId],
    );
  }
}
