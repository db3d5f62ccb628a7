import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import { MapperConfig } from '../service';

export interface RuntimeMapping {
  alertname: string;
  runbookId: string;
  updatedBy: string;
  updatedAt: Date;
}

const COLUMNS = `alertname, runbook_id AS "runbookId", updated_by AS "updatedBy", updated_at AS "updatedAt"`;

/** `runtime_mappings`: alertname → runbook added through the API. */
@Injectable()
export class MappingsRepository {
  private readonly table: string;

  constructor(
    @Inject(CONFIG) config: MapperConfig,
    private readonly dataSource: DataSource,
  ) {
    this.table = table(config.dbSchema, 'runtime_mappings');
  }

  async all(): Promise<RuntimeMapping[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM ${this.table} ORDER BY alertname`);
  }

  async lock(manager: EntityManager, alertname: string): Promise<RuntimeMapping | null> {
    const rows: RuntimeMapping[] = await manager.query(`SELECT ${COLUMNS} FROM ${this.table} WHERE alertname = $1 FOR UPDATE`, [alertname]);
    return rows[0] ?? null;
  }

  async upsert(manager: EntityManager, mapping: RuntimeMapping): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.table} (alertname, runbook_id, updated_by, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (alertname) DO UPDATE SET runbook_id = EXCLUDED.runbook_id, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
      [mapping.alertname, mapping.runbookId, mapping.updatedBy, mapping.updatedAt],
    );
  }

  async delete(manager: EntityManager, alertname: string): Promise<void> {
    await manager.query(`DELETE FROM ${this.table} WHERE alertname = $1`, [alertname]);
  }
}
