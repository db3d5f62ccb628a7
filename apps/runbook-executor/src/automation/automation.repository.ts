import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import type { ExecutorConfig } from '../service';

export interface AutomationState {
  paused: boolean;
  changed_by: string | null;
  changed_at: Date | null;
  reason: string | null;
}

/** The global kill switch, one row in Postgres: every replica reads it for every automatic run. */
@Injectable()
export class AutomationRepository {
  private readonly table: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: ExecutorConfig,
  ) {
    this.table = table(config.dbSchema, 'automation_state');
  }

  async get(manager: EntityManager = this.dataSource.manager): Promise<AutomationState> {
    const [row] = await manager.query(`SELECT paused, changed_by, changed_at, reason FROM ${this.table} WHERE id = 1`);
    return row as AutomationState;
  }

  async set(manager: EntityManager, paused: boolean, by: string, reason: string | null, at: Date): Promise<void> {
    await manager.query(`UPDATE ${this.table} SET paused = $1, changed_by = $2, reason = $3, changed_at = $4 WHERE id = 1`, [
      paused,
      by,
      reason,
      at,
    ]);
  }
}
