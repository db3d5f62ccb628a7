import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import type { KnowledgeConfig } from '../service';
import { DocumentDraft, DocumentSource, DocumentType, StoredDocument } from './documents.types';

interface DocumentRow {
  id: string;
  title: string;
  type: DocumentType;
  severity: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  body: string;
  source: DocumentSource;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, title, type, severity, tags, metadata, body, source, version, created_at, updated_at';

function toDocument(row: DocumentRow): StoredDocument {
  return {
    id: row.id,
    title: row.title,
    type: row.type,
    severity: row.severity,
    tags: row.tags,
    metadata: row.metadata,
    body: row.body,
    source: row.source,
    version: row.version,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** The actor the learning writes and rewrites incident write-ups as (IncidentWriteupService). */
export const WRITEUP_AUTHOR = 'system:learning';

/** Documents and their old versions; every write in the caller's transaction. */
@Injectable()
export class DocumentsRepository {
  private readonly documents: string;
  private readonly versions: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: KnowledgeConfig,
  ) {
    this.documents = table(config.dbSchema, 'documents');
    this.versions = table(config.dbSchema, 'document_versions');
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager, lock = false): Promise<StoredDocument | undefined> {
    const rows: DocumentRow[] = await manager.query(`SELECT ${COLUMNS} FROM ${this.documents} WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
      id,
    ]);
    return rows[0] ? toDocument(rows[0]) : undefined;
  }

  async getMany(ids: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<StoredDocument[]> {
    if (ids.length === 0) return [];
    const rows: DocumentRow[] = await manager.query(`SELECT ${COLUMNS} FROM ${this.documents} WHERE id = ANY($1::text[])`, [ids]);
    return rows.map(toDocument);
  }

  async list(filter: { type?: DocumentType; source?: DocumentSource; limit: number; offset: number }) {
    const where = ['($1::text IS NULL OR type = $1)', '($2::text IS NULL OR source = $2)'].join(' AND ');
    const params = [filter.type ?? null, filter.source ?? null];
    const rows: DocumentRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${this.documents} WHERE ${where} ORDER BY updated_at DESC, id LIMIT $3 OFFSET $4`,
      [...params, filter.limit, filter.offset],
    );
    const [{ total }]: Array<{ total: string }> = await this.dataSource.query(
      `SELECT count(*)::text AS total FROM ${this.documents} WHERE ${where}`,
      params,
    );
    return { documents: rows.map(toDocument), total: Number(total) };
  }

  /** The documents a backup keeps (written by people or from incidents), in id order from `after` (keyset paging: stable while documents change). */
  async pageForBackup(after: string, limit: number): Promise<StoredDocument[]> {
    const rows: DocumentRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM ${this.documents} WHERE source IN ('api', 'incident') AND id COLLATE "C" > $1 ORDER BY id COLLATE "C" LIMIT $2`,
      [after, limit],
    );
    return rows.map(toDocument);
  }

  /** Undefined when the id is taken. */
  async insert(manager: EntityManager, draft: DocumentDraft, now: Date): Promise<StoredDocument | undefined> {
    const rows = rowsOf<DocumentRow>(
      await manager.query(
        `INSERT INTO ${this.documents} (id, title, type, severity, tags, tags_text, metadata, body, source, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5::text[], array_to_string($5::text[], ' '), $6, $7, $8, 1, $9, $9)
         ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
        [draft.id, draft.title, draft.type, draft.severity, draft.tags, JSON.stringify(draft.metadata), draft.body, draft.source, now],
      ),
    );
    return rows[0] ? toDocument(rows[0]) : undefined;
  }

  /** Keeps `current` as an old version and writes `draft` over it as version + 1 (the caller holds the row lock). */
  async replace(manager: EntityManager, current: StoredDocument, draft: DocumentDraft, now: Date, actor: string): Promise<StoredDocument> {
    await manager.query(
      `INSERT INTO ${this.versions} (id, version, title, type, severity, tags, metadata, body, source, updated_at, replaced_at, replaced_by)
       SELECT id, version, title, type, severity, tags, metadata, body, source, updated_at, $2, $3 FROM ${this.documents} WHERE id = $1
       ON CONFLICT (id, version) DO NOTHING`,
      [current.id, now, actor],
    );
    const rows = rowsOf<DocumentRow>(
      await manager.query(
        `UPDATE ${this.documents} SET title = $2, type = $3, severity = $4, tags = $5::text[], tags_text = array_to_string($5::text[], ' '),
           metadata = $6, body = $7, source = $8, version = version + 1, updated_at = $9
         WHERE id = $1 RETURNING ${COLUMNS}`,
        [current.id, draft.title, draft.type, draft.severity, draft.tags, JSON.stringify(draft.metadata), draft.body, draft.source, now],
      ),
    );
    return toDocument(rows[0]);
  }

  /** Deletes a document, keeping its last content as an old version. */
  async remove(manager: EntityManager, id: string, now: Date, actor: string): Promise<boolean> {
    await manager.query(
      `INSERT INTO ${this.versions} (id, version, title, type, severity, tags, metadata, body, source, updated_at, replaced_at, replaced_by)
       SELECT id, version, title, type, severity, tags, metadata, body, source, updated_at, $2, $3 FROM ${this.documents} WHERE id = $1
       ON CONFLICT (id, version) DO NOTHING`,
      [id, now, actor],
    );
    return rowsOf(await manager.query(`DELETE FROM ${this.documents} WHERE id = $1 RETURNING id`, [id])).length > 0;
  }

  /**
   * Deletes up to `batch` incident write-ups (type dynamic, source incident) last changed before `before`, with their
   * old versions; documents written by people are never touched, nor write-ups a person edited. A write-up is
   * never-edited when every earlier version was replaced by the learning itself (`replaced_by` of each version is the
   * actor of the change that replaced it): an edit through the API (or a restore by an admin) leaves a version
   * replaced by that person, and such a write-up is kept. Returns how many went.
   */
  async pruneWriteups(manager: EntityManager, before: Date, batch: number): Promise<number> {
    const gone: Array<{ id: string }> = rowsOf(
      await manager.query(
        `DELETE FROM ${this.documents} WHERE id IN (
           SELECT id FROM ${this.documents} WHERE type = 'dynamic' AND source = 'incident' AND updated_at < $1
             AND NOT EXISTS (SELECT 1 FROM ${this.versions} v WHERE v.id = ${this.documents}.id AND v.replaced_by IS DISTINCT FROM $3)
           LIMIT $2 FOR UPDATE SKIP LOCKED
         ) RETURNING id`,
        [before, batch, WRITEUP_AUTHOR],
      ),
    );
    if (gone.length) await manager.query(`DELETE FROM ${this.versions} WHERE id = ANY($1::text[])`, [gone.map((row) => row.id)]);
    return gone.length;
  }

  async versionsOf(
    id: string,
  ): Promise<Array<{ version: number; title: string; updated_at: Date; replaced_at: Date; replaced_by: string | null }>> {
    return this.dataSource.query(
      `SELECT version, title, updated_at, replaced_at, replaced_by FROM ${this.versions} WHERE id = $1 ORDER BY version DESC`,
      [id],
    );
  }
}
