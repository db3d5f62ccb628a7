import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import type { ExecutorConfig } from '../service';

/** One version of a runbook stored by API; `definition` null is a deletion (the file, if any, is in force again). */
export interface StoredRunbookRow {
  id: string;
  version: number;
  definition: Record<string, unknown> | null;
  prose: string | null;
  created_by: string;
  created_at: Date;
}

/** The stored_runbooks table: every version of every runbook stored by API. */
@Injectable()
export class StoredRunbooksRepository {
  private readonly table: string;
  private readonly lockKey: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: ExecutorConfig,
  ) {
    this.table = table(config.dbSchema, 'stored_runbooks');
    this.lockKey = `firebreak-stored-runbooks-${config.dbSchema}`;
  }

  /** The highest version of every id (tombstones included: the caller tells a deletion from a definition). */
  async latest(): Promise<StoredRunbookRow[]> {
    return this.dataSource.query(
      `SELECT DISTINCT ON (id) id, version, definition, prose, created_by, created_at FROM ${this.table} ORDER BY id, version DESC`,
    );
  }

  /**
   * What changed since a reload can be told from two numbers, without reading any definition: rows are only ever
   * appended (a DELETE is a row too), so every change raises the count, and versions only grow.
   */
  async signature(): Promise<string> {
    const [row] = await this.dataSource.query(`SELECT count(*)::int AS count, COALESCE(max(version), 0)::int AS max FROM ${this.table}`);
    return `${row.count}:${row.max}`;
  }

  async latestOf(manager: EntityManager, id: string): Promise<StoredRunbookRow | undefined> {
    const [row] = await manager.query(
      `SELECT id, version, definition, prose, created_by, created_at FROM ${this.table} WHERE id = $1 ORDER BY version DESC LIMIT 1`,
      [id],
    );
    return row;
  }

  async versions(id: string): Promise<StoredRunbookRow[]> {
    return this.dataSource.query(
      `SELECT id, version, definition, prose, created_by, created_at FROM ${this.table} WHERE id = $1 ORDER BY version DESC`,
      [id],
    );
  }

  /**
   * Serialises changes of one id until the transaction ends, so two concurrent PUTs get versions n+1 and n+2
   * instead of one of them failing on the primary key.
   */
  async lock(manager: EntityManager, id: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [this.lockKey, id]);
  }

  /** Appends the next version of `id` (call `lock` first in the same transaction). */
  async append(
    manager: EntityManager,
    entry: { id: string; definition: Record<string, unknown> | null; prose: string | null; createdBy: string; createdAt: Date },
  ): Promise<StoredRunbookRow> {
    const [row] = await manager.query(
      `INSERT INTO ${this.table} (id, version, definition, prose, created_by, created_at)
       SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5 FROM ${this.table} WHERE id = $1
       RETURNING id, version, definition, prose, created_by, created_at`,
      [entry.id, entry.definition === null ? null : JSON.stringify(entry.definition), entry.prose, entry.createdBy, entry.createdAt],
    );
    return row;
  }
}
