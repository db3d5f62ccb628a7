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

/** The version of a runbook known only from a file read here, never announced by the executor. */
const FILE_ONLY = -1;

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
   * Applies an announced change when its version is not older than what is stored. `version` is the executor's
   * per-id sequence that only increases (a DELETE announces its tombstone's version, a file brought back by
   * a DELETE a higher one still), so it alone orders the changes of one id: announcement times come from
   * different replicas' clocks and are not compared. An equal version is applied too: a shipped file edited by
   * a new deployment is announced at start with the same version (nothing was stored), and a repeat of the
   * same announcement changes nothing (unchanged content writes no document version). Returns false for a
   * stale announcement.
   */
  async apply(manager: EntityManager, entry: CatalogEntry): Promise<boolean> {
    const rows = rowsOf(
      await manager.query(
        `INSERT INTO ${this.catalog} (runbook_id, present, origin, version, title, changed_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (runbook_id) DO UPDATE SET present = EXCLUDED.present, origin = EXCLUDED.origin, version = EXCLUDED.version,
           title = EXCLUDED.title, changed_at = EXCLUDED.changed_at
         WHERE ${this.catalog}.version <= EXCLUDED.version
         RETURNING runbook_id`,
        [entry.runbookId, entry.present, entry.origin, entry.version, entry.title, entry.changedAt],
      ),
    );
    return rows.length > 0;
  }

  /**
   * A shipped file read at start gives prose for search, not presence: the executor may reject the file,
   * and only its announcement says the runbook can run. Recorded as a placeholder (not present, version
   * FILE_ONLY, below any announced version) where nothing was announced yet. Returns true when the file's
   * prose is what the knowledge base should hold for this id.
   */
  async applyFile(manager: EntityManager, runbookId: string, title: string): Promise<boolean> {
    const rows = rowsOf(
      await manager.query(
        `INSERT INTO ${this.catalog} (runbook_id, present, origin, version, title, changed_at) VALUES ($1, false, 'file', ${FILE_ONLY}, $2, 'epoch')
         ON CONFLICT (runbook_id) DO UPDATE SET title = EXCLUDED.title
         WHERE ${this.catalog}.version = ${FILE_ONLY}
         RETURNING runbook_id`,
        [runbookId, title],
      ),
    );
    return rows.length > 0;
  }

  /** Placeholders of files no longer shipped (and never announced): their prose must not stay searchable. */
  async dropRemovedFiles(manager: EntityManager, shipped: readonly string[]): Promise<string[]> {
    const rows: Array<{ runbook_id: string }> = rowsOf(
      await manager.query(
        `DELETE FROM ${this.catalog} WHERE version = ${FILE_ONLY} AND NOT (runbook_id = ANY($1::text[])) RETURNING runbook_id`,
        [shipped],
      ),
    );
    return rows.map((row) => row.runbook_id);
  }

  async present(ids?: readonly string[]): Promise<Map<string, { title: string | null }>> {
    const rows: Array<{ runbook_id: string; title: string | null }> = await this.dataSource.query(
      `SELECT runbook_id, title FROM ${this.catalog} WHERE present AND ($1::text[] IS NULL OR runbook_id = ANY($1::text[]))`,
      [ids ?? null],
    );
    return new Map(rows.map((row) => [row.runbook_id, { title: row.title }]));
  }
}
