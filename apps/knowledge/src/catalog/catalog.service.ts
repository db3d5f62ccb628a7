import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { RunbookCatalogChanged } from '@firebreak/contracts';
import { asPostgresOutage, Batcher, InboxKey, TransactionalMessaging } from '@firebreak/bus';
import { CONFIG, LOGGER } from '@firebreak/platform';
import { DocumentsService } from '../documents/documents.service';
import { DocumentDraft } from '../documents/documents.types';
import type { KnowledgeConfig } from '../service';
import { CatalogRepository } from './catalog.repository';
import { readRunbookFiles, RunbookProse } from './runbook-files';

/**
 * Runbook prose as `static` documents (id = runbook id): the shipped files at start (prose only, until the
 * executor announces them), then `runbooks.catalog.changed` from the executor. Recommendations name only
 * runbooks the executor announced as upserted — what it can actually run.
 */
@Injectable()
export class CatalogService implements OnApplicationBootstrap {
  private readonly lookups = new Batcher<readonly string[], Map<string, { title: string | null }>>((lookups) => this.knownBatch(lookups), {
    maxSize: 256,
    maxInFlight: 2,
  });

  constructor(
    private readonly repo: CatalogRepository,
    private readonly documents: DocumentsService,
    private readonly messaging: TransactionalMessaging,
    @Inject(CONFIG) private readonly config: KnowledgeConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { runbooks, problems } = readRunbookFiles(this.config.FIREBREAK_RUNBOOKS_DIR);
    for (const problem of problems) this.logger.warn({ problem }, 'runbook file left out of the knowledge base');
    await this.messaging.run(async (tx) => {
      for (const gone of await this.repo.dropRemovedFiles(
        tx.manager,
        runbooks.map((r) => r.runbookId),
      ))
        await this.documents.remove(tx.manager, gone, 'system:runbook-files');
      for (const runbook of runbooks)
        if (await this.repo.applyFile(tx.manager, runbook.runbookId, runbook.title))
          await this.documents.save(tx.manager, runbookDocument(runbook, 'file', 0), 'system:runbook-files');
    });
    this.logger.info({ runbooks: runbooks.length, dir: this.config.FIREBREAK_RUNBOOKS_DIR }, 'runbook prose indexed');
  }

  /** One announcement, once (inbox), and only if newer than what is known. */
  async onCatalogChanged(change: RunbookCatalogChanged, inbox: InboxKey): Promise<void> {
    await this.messaging.run(async (tx) => {
      const applied = await this.repo.apply(tx.manager, {
        runbookId: change.runbookId,
        origin: change.source,
        version: change.version,
        title: change.title ?? null,
        changedAt: new Date(change.at),
        present: change.action === 'upserted',
      });
      if (!applied) return;
      const actor = change.changedBy ?? 'system:runbook-catalog';
      if (change.action === 'deleted') await this.documents.remove(tx.manager, change.runbookId, actor);
      else
        await this.documents.save(
          tx.manager,
          runbookDocument(
            {
              runbookId: change.runbookId,
              title: change.title ?? change.runbookId,
              description: change.description ?? null,
              severity: change.severity ?? null,
              tags: change.tags,
              prose: change.prose ?? null,
            },
            change.source,
            change.version,
          ),
          actor,
        );
    }, inbox);
  }

  /**
   * The runbooks among `ids` the executor announced and has not deleted, with their titles. Read afresh for every
   * caller (a deleted runbook is never recommended), the callers of one turn (a burst of alerts) with one statement.
   */
  known(ids: readonly string[]): Promise<Map<string, { title: string | null }>> {
    return this.lookups.submit(ids);
  }

  private async knownBatch(lookups: Array<readonly string[]>): Promise<Array<Map<string, { title: string | null }>>> {
    const ids = [...new Set(lookups.flat())];
    // Postgres away is an outage to wait out, as in TransactionalMessaging, not a failure of the alerts asking.
    const present =
      ids.length > 0
        ? await this.repo.present(ids).catch((error: unknown) => Promise.reject(asPostgresOutage(error)))
        : new Map<string, { title: string | null }>();
    return lookups.map((asked) => new Map([...present].filter(([runbookId]) => asked.includes(runbookId))));
  }
}

function runbookDocument(runbook: RunbookProse, origin: 'file' | 'api', version: number): DocumentDraft {
  const parts = [runbook.description, runbook.prose].filter((part): part is string => !!part && part.trim().length > 0);
  return {
    id: runbook.runbookId,
    title: runbook.title,
    type: 'static',
    severity: runbook.severity,
    tags: [...new Set(runbook.tags)],
    metadata: { runbook_id: runbook.runbookId, origin, catalog_version: version },
    body: parts.join('\n\n') || runbook.title,
    source: 'runbook',
  };
}
