import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface AuditEntry {
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}

export function auditTableUpSql(schema: string): string[] {
  return [
    `CREATE TABLE "${schema}".audit_log (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      actor text NOT NULL,
      action text NOT NULL,
      target text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}'
    )`,
    `CREATE INDEX audit_log_at_idx ON "${schema}".audit_log (at)`,
  ];
}

/** Who changed what, when. Written in the same transaction as the change it describes. */
@Injectable()
export class AuditLog {
  private readonly schema: string;

  constructor(private readonly dataSource: DataSource) {
    this.schema = (dataSource.options as { schema?: string }).schema ?? 'public';
  }

  async record(entry: AuditEntry, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(`INSERT INTO "${this.schema}".audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4)`, [
      entry.actor,
      entry.action,
      entry.target,
      JSON.stringify(entry.details ?? {}),
    ]);
  }

  async recent(
    limit = 100,
  ): Promise<Array<{ id: string; at: Date; actor: string; action: string; target: string; details: Record<string, unknown> }>> {
    return this.dataSource.query(
      `SELECT id, at, actor, action, target, details FROM "${this.schema}".audit_log ORDER BY id DESC LIMIT $1`,
      [limit],
    );
  }
}
