import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import type { KnowledgeConfig } from '../service';

export interface CatalogEntry {
  runbookId: string;
  origin: 'file' | 'api';
  version: number;
  title: string | null;
  changedAt: Date;
  present: boolean;
}

/** The runbook catalogue as last announced: one row per id, deleted ones kept as tombstones (present = false). */
@Injectable()
export class CatalogRepository {
  private readonly catalog: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: KnowledgeConfig,
  ) {
    this.catalog = table(config.dbSchema, 'runbook_catalog');
  }

  /**
   * Applies an announced change when it is newer than what is stored: by announcement time, then version.
   * Time first: deleting an API override brings back the file (version 0) later than the override's version.
   * Returns false for a stale (or repeated) announcement.
   */
  async apply(manager: EntityManager, entry: CatalogEntry): Promise<boolean> {
    const rows = rowsOf(
      await manager.query(
        `INSERT INTO ${this.catalog} (runbook_id, present, origin, version, title, changed_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (runbook_id) DO UPDATE SET present = EXCLUDED.present, origin = EXCLUDED.origin, version = EXCLUDED.version,
           title = EXCLUDED.title, changed_at = EXCLUDED.changed_at
         WHERE (${this.catalog}.changed_at, ${this.catalog}.version) < (EXCLUDED.changed_at, EXCLUDED.version)
         RETURNING runbook_id`,
        [entry.runbookId, entry.present, entry.origin, entry.version, entry.title, entry.changedAt],
      ),
    );
    return rows.length > 0;
  }

  /**
   * A shipped file read at start: recorded only where nothing newer than a file is known (no API override,
   * no announcement). Its time is the epoch, so any announcement, even one queued before this start, wins.
   */
  async applyFile(manager: EntityManager, runbookId: string, title: string): Promise<boolean> {
    const rows = rowsOf(
      await manager.query(
        `INSERT INTO ${this.catalog} (runbook_id, present, origin, version, title, changed_at) VALUES ($1, true, 'file', 0, $2, 'epoch')
         ON CONFLICT (runbook_id) DO UPDATE SET title = EXCLUDED.title
         WHERE ${this.catalog}.origin = 'file' AND ${this.catalog}.present AND ${this.catalog}.changed_at = 'epoch'
         RETURNING runbook_id`,
        [runbookId, title],
      ),
    );
    return rows.length > 0;
  }

  async present(ids?: readonly string[]): Promise<Map<string, { title: string | null }>> {
    const rows: Array<{ runbook_id: string; title: string | null }> = await this.dataSource.query(
      `SELECT runbook_id, title FROM ${this.catalog} WHERE present AND ($1::text[] IS NULL OR runbook_id = ANY($1::text[]))`,
      [ids ?? null],
    );
    return new Map(rows.map((row) => [row.runbook_id, { title: row.title }]));
  }
}
