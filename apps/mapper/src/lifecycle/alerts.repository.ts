import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { ActiveAlertCount } from '../core/metrics';
import { SqlRunner } from '../core/write-batch';
import { ALERT_COLUMNS, AlertPatch, AlertRecord, alertSelectList, isJsonField } from './alert-record';

export interface AlertFilter {
  statuses?: string[];
  severity?: string;
  alertname?: string;
  labels: Array<Record<string, string>>;
  after?: { firstSeen: string; fingerprint: string };
  limit: number;
}

function sqlValue(field: keyof AlertRecord, value: unknown): unknown {
  return isJsonField(field) && value !== null && value !== undefined ? JSON.stringify(value) : value;
}

/** The `alerts` table. Every write happens with the row locked by `lock`. */
@Injectable()
export class AlertsRepository {
  private readonly table: string;
  private readonly select = alertSelectList('a');

  constructor(
    @Inject(CONFIG) config: MapperConfig,
    private readonly dataSource: DataSource,
  ) {
    this.table = `"${config.dbSchema}".alerts`;
  }

  async lock(manager: EntityManager, fingerprint: string): Promise<AlertRecord | null> {
    const rows: AlertRecord[] = await manager.query(`SELECT ${this.select} FROM ${this.table} a WHERE a.fingerprint = $1 FOR UPDATE`, [fingerprint]);
    return rows[0] ?? null;
  }

  /**
   * One round trip for a whole batch: inserts each record whose fingerprint is new, and locks and
   * returns the stored row of each other one untouched (the no-op DO UPDATE takes the lock;
   * `xmax = 0` holds only for a freshly inserted row version). Rows are locked in fingerprint
   * order, so two batches never wait on each other in a cycle.
   */
  async insertOrLock(manager: EntityManager, records: AlertRecord[]): Promise<Map<string, { inserted: boolean; stored: AlertRecord }>> {
    const fields = (Object.keys(ALERT_COLUMNS) as Array<keyof AlertRecord>).filter((field) => field !== 'updatedAt');
    const params: unknown[] = [];
    const sorted = [...records].sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0));
    const tuples = sorted.map((record) => {
      const placeholders = fields.map((field) => {
        params.push(sqlValue(field, record[field]));
        return `$${params.length}${isJsonField(field) ? '::jsonb' : ''}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    const rows: Array<AlertRecord & { inserted: boolean }> = await manager.query(
      `INSERT INTO ${this.table} AS a (${fields.map((field) => ALERT_COLUMNS[field]).join(', ')}) VALUES ${tuples.join(', ')}
       ON CONFLICT (fingerprint) DO UPDATE SET occurrences = a.occurrences
       RETURNING ${this.select}, (a.xmax = 0) AS inserted`,
      params,
    );
    return new Map(rows.map(({ inserted, ...stored }) => [stored.fingerprint, { inserted, stored }]));
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

  /** Locks the alerts in the given statuses whose labels contain `contains` (a cheap pre-filter), in fingerprint order. */
  async lockByStatus(manager: EntityManager, statuses: string[], contains: Record<string, string>): Promise<AlertRecord[]> {
    return manager.query(`SELECT ${this.select} FROM ${this.table} a WHERE a.status = ANY($1) AND a.labels @> $2::jsonb ORDER BY a.fingerprint FOR UPDATE`, [
      statuses,
      JSON.stringify(contains),
    ]);
  }

  async lockSilencedBy(manager: EntityManager, silenceId: string): Promise<AlertRecord[]> {
    return manager.query(`SELECT ${this.select} FROM ${this.table} a WHERE a.silence_id = $1 AND a.status = 'silenced' ORDER BY a.fingerprint FOR UPDATE`, [silenceId]);
  }

  async find(fingerprint: string): Promise<AlertRecord | null> {
    const rows: AlertRecord[] = await this.dataSource.query(`SELECT ${this.select} FROM ${this.table} a WHERE a.fingerprint = $1`, [fingerprint]);
    return rows[0] ?? null;
  }

  /** Newest first by first sighting: a key that never changes, so pages neither skip nor repeat. */
  async list(filter: AlertFilter): Promise<AlertRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (filter.statuses?.length) add((n) => `a.status = ANY(${n})`, filter.statuses);
    if (filter.severity) add((n) => `a.severity = ${n}`, filter.severity);
    if (filter.alertname !== undefined) add((n) => `a.alertname = ${n}`, filter.alertname);
    for (const labels of filter.labels) add((n) => `a.labels @> ${n}::jsonb`, JSON.stringify(labels));
    if (filter.after) {
      params.push(filter.after.firstSeen, filter.after.fingerprint);
      where.push(`(a.first_seen, a.fingerprint) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(filter.limit);
    return this.dataSource.query(
      `SELECT ${this.select} FROM ${this.table} a ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY a.first_seen DESC, a.fingerprint DESC LIMIT $${params.length}`,
      params,
    );
  }

  async activeCounts(): Promise<ActiveAlertCount[]> {
    return this.dataSource.query(`SELECT severity, status, count(*)::int AS count FROM ${this.table} WHERE status <> 'resolved' GROUP BY severity, status`);
  }
}
