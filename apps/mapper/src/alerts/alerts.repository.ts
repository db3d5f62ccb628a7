import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { ActiveAlertCount } from '../core/metrics';
import { AlertRecord, alertSelectList } from '../lifecycle/alert-record';

export interface AlertFilter {
  statuses?: string[];
  severity?: string;
  alertname?: string;
  labels: Array<Record<string, string>>;
  after?: { firstSeen: string; fingerprint: string };
  limit: number;
}

/** Reading `alerts` for the API and the metrics; the lifecycle's locked writes are in lifecycle/alert-state.repository.ts. */
@Injectable()
export class AlertsRepository {
  private readonly table: string;
  private readonly select = alertSelectList('a');

  constructor(
    @Inject(CONFIG) config: MapperConfig,
    private readonly dataSource: DataSource,
  ) {
    this.table = table(config.dbSchema, 'alerts');
  }

  async find(fingerprint: string): Promise<AlertRecord | null> {
    const rows: AlertRecord[] = await this.dataSource.query(`SELECT ${this.select} FROM ${this.table} a WHERE a.fingerprint = $1`, [
      fingerprint,
    ]);
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
    return this.dataSource.query(
      `SELECT severity, status, count(*)::int AS count FROM ${this.table} WHERE status <> 'resolved' GROUP BY severity, status`,
    );
  }
}
