import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import { SloConfig } from '../service';
import { AlertKind, BudgetState } from './slo-alerts';

export interface StoredState {
  state: BudgetState;
  tier: string | null;
  firstEvaluatedAt: Date;
  lastDataAt: Date | null;
  lastReportDay: string | null;
  budgetRemaining: number | null;
  /** The `now` of the evaluation that last saved this state. */
  updatedAt: Date;
}

export interface StoredAlert {
  kind: AlertKind;
  firing: boolean;
  startsAt: Date;
  labels: Record<string, string>;
}

/** Each SLO's last evaluated state and alerts; rows are locked while an evaluation changes them. */
@Injectable()
export class SloStateRepository {
  private readonly states: string;
  private readonly alerts: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: SloConfig,
  ) {
    this.states = table(config.dbSchema, 'slo_state');
    this.alerts = table(config.dbSchema, 'slo_alerts');
  }

  /** Creates the row on first sight and locks it, so replicas evaluating together take turns. */
  async lock(manager: EntityManager, sloId: string, now: Date): Promise<StoredState> {
    await manager.query(
      `INSERT INTO ${this.states} (slo_id, state, first_evaluated_at, updated_at) VALUES ($1, 'ok', $2, $2) ON CONFLICT DO NOTHING`,
      [sloId, now],
    );
    const [row] = (await manager.query(
      `SELECT state, tier, first_evaluated_at, last_data_at, to_char(last_report_day, 'YYYY-MM-DD') AS last_report_day,
              budget_remaining, updated_at
       FROM ${this.states} WHERE slo_id = $1 FOR UPDATE`,
      [sloId],
    )) as Array<{
      state: BudgetState;
      tier: string | null;
      first_evaluated_at: Date;
      last_data_at: Date | null;
      last_report_day: string | null;
      budget_remaining: number | null;
      updated_at: Date;
    }>;
    return {
      state: row.state,
      tier: row.tier,
      firstEvaluatedAt: new Date(row.first_evaluated_at),
      lastDataAt: row.last_data_at ? new Date(row.last_data_at) : null,
      lastReportDay: row.last_report_day,
      budgetRemaining: row.budget_remaining,
      updatedAt: new Date(row.updated_at),
    };
  }

  /** Locks an existing state row (for an SLO that may be gone from slos.yaml); false when there is none. */
  async lockExisting(manager: EntityManager, sloId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM ${this.states} WHERE slo_id = $1 FOR UPDATE`, [sloId]);
    return rows.length > 0;
  }

  /** The UTC day each SLO was last reported, without a lock: the daily report skips reported SLOs cheaply. */
  async reportedDays(): Promise<Map<string, string>> {
    const rows: Array<{ slo_id: string; day: string }> = await this.dataSource.query(
      `SELECT slo_id, to_char(last_report_day, 'YYYY-MM-DD') AS day FROM ${this.states} WHERE last_report_day IS NOT NULL`,
    );
    return new Map(rows.map((row) => [row.slo_id, row.day]));
  }

  /** SLOs with a firing alert, whether or not they are still configured. */
  async withFiringAlerts(): Promise<string[]> {
    const rows: Array<{ slo_id: string }> = await this.dataSource.query(
      `SELECT DISTINCT slo_id FROM ${this.alerts} WHERE firing ORDER BY slo_id`,
    );
    return rows.map((row) => row.slo_id);
  }

  async save(
    manager: EntityManager,
    sloId: string,
    values: { state: BudgetState; tier: string | null; budgetRemaining: number | null; lastDataAt: Date | null; now: Date },
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.states} SET state = $2, tier = $3, budget_remaining = $4, last_data_at = $5, updated_at = $6 WHERE slo_id = $1`,
      [sloId, values.state, values.tier, values.budgetRemaining, values.lastDataAt, values.now],
    );
  }

  async markReported(manager: EntityManager, sloId: string, day: string): Promise<void> {
    await manager.query(`UPDATE ${this.states} SET last_report_day = $2 WHERE slo_id = $1`, [sloId, day]);
  }

  async alertsOf(manager: EntityManager, sloId: string): Promise<StoredAlert[]> {
    const rows: Array<{ kind: AlertKind; firing: boolean; starts_at: Date; labels: Record<string, string> }> = await manager.query(
      `SELECT kind, firing, starts_at, labels FROM ${this.alerts} WHERE slo_id = $1 ORDER BY kind`,
      [sloId],
    );
    return rows.map((row) => ({ kind: row.kind, firing: row.firing, startsAt: new Date(row.starts_at), labels: row.labels }));
  }

  async saveAlert(manager: EntityManager, sloId: string, alert: StoredAlert, now: Date): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.alerts} (slo_id, kind, firing, starts_at, changed_at, labels) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (slo_id, kind) DO UPDATE
       SET firing = EXCLUDED.firing, starts_at = EXCLUDED.starts_at, changed_at = EXCLUDED.changed_at, labels = EXCLUDED.labels`,
      [sloId, alert.kind, alert.firing, alert.startsAt, now, JSON.stringify(alert.labels)],
    );
  }

  /** Firing alerts per SLO, for the API. */
  async firing(): Promise<Array<{ sloId: string; kind: AlertKind; startsAt: Date }>> {
    const rows: Array<{ slo_id: string; kind: AlertKind; starts_at: Date }> = await this.dataSource.query(
      `SELECT slo_id, kind, starts_at FROM ${this.alerts} WHERE firing ORDER BY slo_id, kind`,
    );
    return rows.map((row) => ({ sloId: row.slo_id, kind: row.kind, startsAt: new Date(row.starts_at) }));
  }
}
