import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { SqlRunner } from '../core/write-batch';
import { ALERT_COLUMNS, AlertPatch, AlertRecord, alertSelectList, isJsonField } from './alert-record';

function sqlValue(field: keyof AlertRecord, value: unknown): unknown {
  return isJsonField(field) && value !== null && value !== undefined ? JSON.stringify(value) : value;
}

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

  constructor(@Inject(CONFIG) config: MapperConfig) {
    this.table = table(config.dbSchema, 'alerts');
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
   * Inserts the records in one statement and returns the fingerprints it inserted. One missing from
   * the answer was inserted meanwhile by another transaction (which this one waited for).
   */
  async insertNew(manager: EntityManager, records: readonly AlertRecord[]): Promise<Set<string>> {
    if (records.length === 0) return new Set();
    const fields = (Object.keys(ALERT_COLUMNS) as Array<keyof AlertRecord>).filter((field) => field !== 'updatedAt');
    const params: unknown[] = [];
    const sorted = [...records].sort((a, b) => byFingerprint(a.fingerprint, b.fingerprint));
    const tuples = sorted.map((record) => {
      const placeholders = fields.map((field) => {
        params.push(sqlValue(field, record[field]));
        return `$${params.length}${isJsonField(field) ? '::jsonb' : ''}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    const rows: Array<{ fingerprint: string }> = await manager.query(
      `INSERT INTO ${this.table} (${fields.map((field) => ALERT_COLUMNS[field]).join(', ')}) VALUES ${tuples.join(', ')}
       ON CONFLICT (fingerprint) DO NOTHING RETURNING fingerprint`,
      params,
    );
    return new Set(rows.map((row) => row.fingerprint));
  }

  async update(runner: SqlRunner, fingerprint: string, patch: AlertPatch): Promise<void> {
    const fields = (Object.keys(patch) as Array<keyof AlertPatch>).filter((field) => patch[field] !== undefined);
    if (fields.length === 0) return;
    const sets = fields.map((field, index) => `${ALERT_COLUMNS[field]} = $${index + 2}${isJsonField(field) ? '::jsonb' : ''}`);
    await runner.query(`UPDATE ${this.table} SET ${sets.join(', ')}, updated_at = now() WHERE fingerprint = $1`, [
      fingerprint,
      ...fields.map((field) => sqlValue(field, patch[field])),
    ]);
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
