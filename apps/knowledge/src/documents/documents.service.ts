import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TransactionalMessaging } from '@firebreak/bus';
import { ApiPrincipal, AppError, AuditLog, CLOCK, Clock } from '@firebreak/platform';
import { CreateDocument, ListDocuments, UpdateDocument } from './documents.dto';
import { RestoreDocument } from './documents-backup.dto';
import { DocumentsRepository } from './documents.repository';
import { DocumentDraft, documentView, StoredDocument } from './documents.types';

/** Sources whose content another part owns: the API may read them but not overwrite them. */
const MANAGED_ELSEWHERE = new Set(['runbook', 'template']);

/** The one way into documents: the API's versioned, audited writes and the system's own (runbooks, templates, write-ups). */
@Injectable()
export class DocumentsService {
  constructor(
    private readonly repo: DocumentsRepository,
    private readonly messaging: TransactionalMessaging,
    private readonly audit: AuditLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(body: CreateDocument, principal: ApiPrincipal) {
    const draft: DocumentDraft = {
      id: `doc-${slug(body.title)}-${randomBytes(4).toString('hex')}`,
      title: body.title,
      type: body.type,
      severity: body.severity,
      tags: unique(body.tags),
      metadata: body.metadata,
      body: body.content,
      source: 'api',
    };
    const stored = await this.messaging.run(async (tx) => {
      const doc = await this.repo.insert(tx.manager, draft, this.clock.now());
      if (!doc) throw new AppError('conflict', `document ${draft.id} exists`, 409);
      await this.audit.record(
        { actor: principal.name, action: 'knowledge.document.create', target: doc.id, details: { title: doc.title, type: doc.type } },
        tx.manager,
      );
      return doc;
    });
    return documentView(stored);
  }

  async update(id: string, body: UpdateDocument, principal: ApiPrincipal) {
    const stored = await this.messaging.run(async (tx) => {
      const current = await this.repo.get(id, tx.manager, true);
      if (!current) throw new AppError('not_found', `no document ${id}`, 404);
      if (MANAGED_ELSEWHERE.has(current.source))
        throw new AppError('conflict', `document ${id} comes from a ${current.source}; change it at its source`, 409);
      if (body.version !== undefined && body.version !== current.version)
        throw new AppError('version_conflict', `document ${id} is at version ${current.version}, not ${body.version}`, 409, {
          current: current.version,
        });
      const doc = await this.repo.replace(
        tx.manager,
        current,
        {
          id,
          title: body.title,
          type: body.type,
          severity: body.severity,
          tags: unique(body.tags),
          metadata: body.metadata,
          body: body.content,
          source: current.source,
        },
        this.clock.now(),
        principal.name,
      );
      await this.audit.record(
        { actor: principal.name, action: 'knowledge.document.update', target: id, details: { from: current.version, to: doc.version } },
        tx.manager,
      );
      return doc;
    });
    return documentView(stored);
  }

  /**
   * Puts a backed-up document back under its id: created when missing, replaced (old content kept as a version)
   * when different, nothing when the same, so restoring twice changes nothing. Documents of runbooks and
   * templates are their sources' to write (409).
   */
  async restore(id: string, body: RestoreDocument, principal: ApiPrincipal) {
    const draft: DocumentDraft = {
      id,
      title: body.title,
      type: body.type,
      severity: body.severity,
      tags: unique(body.tags),
      metadata: body.metadata,
      body: body.content,
      source: body.source,
    };
    return this.messaging.run(async (tx) => {
      const current = await this.repo.get(id, tx.manager, true);
      if (current && MANAGED_ELSEWHERE.has(current.source))
        throw new AppError('conflict', `document ${id} comes from a ${current.source}; change it at its source`, 409);
      if (current && sameContent(current, draft)) return { id, version: current.version, changed: false };
      const doc = await this.save(tx.manager, draft, principal.name);
      await this.audit.record(
        {
          actor: principal.name,
          action: 'knowledge.document.restore',
          target: id,
          details: { from: current?.version ?? null, to: doc.version },
        },
        tx.manager,
      );
      return { id, version: doc.version, changed: true };
    });
  }

  async pageForBackup(after: string, limit: number) {
    const documents = await this.repo.pageForBackup(after, limit);
    return { documents: documents.map(documentView), next: documents.length === limit ? documents[documents.length - 1].id : null };
  }

  /** Incident write-ups last changed before `before`, in batches (short transactions, no long lock); how many were deleted. */
  async pruneWriteups(before: Date, batch = 1000): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.messaging.run((tx) => this.repo.pruneWriteups(tx.manager, before, batch));
      total += deleted;
      if (deleted < batch) return total;
    }
  }

  async get(id: string) {
    const doc = await this.repo.get(id);
    if (!doc) throw new AppError('not_found', `no document ${id}`, 404);
    return { ...documentView(doc), previous_versions: await this.repo.versionsOf(id) };
  }

  async list(query: ListDocuments) {
    const { documents, total } = await this.repo.list(query);
    return { documents: documents.map(documentView), total };
  }

  /** Documents by id; with `manager`, as the caller's transaction sees them (its own writes included). */
  find(ids: readonly string[], manager?: EntityManager): Promise<StoredDocument[]> {
    return this.repo.getMany(ids, manager);
  }

  /** One document as the caller's transaction sees it. */
  findIn(manager: EntityManager, id: string): Promise<StoredDocument | undefined> {
    return this.repo.get(id, manager);
  }

  /**
   * Writes a document the system owns (a runbook's prose, a template, an incident write-up) in the
   * caller's transaction: new → version 1; changed → old kept, version + 1; unchanged → nothing.
   */
  async save(manager: EntityManager, draft: DocumentDraft, actor: string): Promise<StoredDocument> {
    const now = this.clock.now();
    const current = await this.repo.get(draft.id, manager, true);
    if (!current) {
      const inserted = await this.repo.insert(manager, draft, now);
      // Inserted by a concurrent writer between our read and insert: take its row as current and go on.
      if (inserted) return inserted;
      return this.save(manager, draft, actor);
    }
    if (sameContent(current, draft)) return current;
    return this.repo.replace(manager, current, draft, now, actor);
  }

  async remove(manager: EntityManager, id: string, actor: string): Promise<boolean> {
    return this.repo.remove(manager, id, this.clock.now(), actor);
  }
}

function sameContent(a: DocumentDraft, b: DocumentDraft): boolean {
  return (
    a.title === b.title &&
    a.type === b.type &&
    a.severity === b.severity &&
    a.body === b.body &&
    a.source === b.source &&
    JSON.stringify(a.tags) === JSON.stringify(b.tags) &&
    canonical(a.metadata) === canonical(b.metadata)
  );
}

/** JSON with keys sorted at every level: jsonb hands keys back in its own order (shortest first), not the writer's. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}

function slug(title: string): string {
  return (
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48)
      .replace(/-+$/, '') || 'document'
  );
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
