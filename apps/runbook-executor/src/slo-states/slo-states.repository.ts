import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SloBudgetChanged } from '@firebreak/contracts';
import { CONFIG, table } from '@firebreak/platform';
import type { ExecutorConfig } from '../service';

export interface SloStateRow {
  slo_id: string;
  service: string;
  state: SloBudgetChanged['state'];
  previous_state: SloBudgetChanged['previousState'];
  tier: string | null;
  budget_remaining: number | null;
  changed_at: Date;
  event_id: string;
  received_at: Date;
}

/** One row per SLO: the newest `slo.budget.changed` heard for it. */
@Injectable()
export class SloStatesRepository {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: ExecutorConfig,
  ) {
    this.table = table(config.dbSchema, 'slo_states');
  }

  /**
   * Keeps the event with the newest `at`: one that arrives late (JetStream redelivers in any order
   * after a failure) changes nothing. Answers whether the row changed.
   */
  async upsert(manager: EntityManager, change: SloBudgetChanged, eventId: string, receivedAt: Date): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO ${this.table} (slo_id, service, state, previous_state, tier, budget_remaining, changed_at, event_id, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (slo_id) DO UPDATE SET service = EXCLUDED.service, state = EXCLUDED.state, previous_state = EXCLUDED.previous_state,
         tier = EXCLUDED.tier, budget_remaining = EXCLUDED.budget_remaining, changed_at = EXCLUDED.changed_at,
         event_id = EXCLUDED.event_id, received_at = EXCLUDED.received_at
       WHERE ${this.table}.changed_at < EXCLUDED.changed_at
       RETURNING slo_id`,
      [
        change.sloId,
        change.service,
        change.state,
        change.previousState,
        change.tier,
        change.errorBudgetRemaining,
        new Date(change.at),
        eventId,
        receivedAt,
      ],
    );
    return rows.length > 0;
  }

  async all(): Promise<SloStateRow[]> {
    return this.dataSource.query(`SELECT * FROM ${this.table} ORDER BY slo_id`);
  }
}
