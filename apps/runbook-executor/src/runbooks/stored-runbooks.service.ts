import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { TransactionalMessaging } from '@firebreak/bus';
import { AppError, AuditLog, Clock, CLOCK, LOGGER, notFound } from '@firebreak/platform';
import { ExecutorSettings, SETTINGS } from '../common/settings';
import { startupEvent, storedChangeEvent } from './catalog-events';
import { RunbookCatalogService } from './runbook-catalog.service';
import { LoadedRunbook, validateRunbook } from './runbook-loader';
import { StoreBody } from './stored-runbooks.dto';
import { StoredRunbookRow, StoredRunbooksRepository } from './stored-runbooks.repository';

const versionView = (row: StoredRunbookRow) => ({
  version: row.version,
  action: row.definition === null ? ('deleted' as const) : ('stored' as const),
  createdBy: row.created_by,
  createdAt: new Date(row.created_at).toISOString(),
  definition: row.definition,
  prose: row.prose,
});

/**
 * Runbooks stored by API: validated like files, versioned in Postgres, audited, and announced as
 * `runbooks.catalog.changed` through the outbox in the transaction that stores them. Also announces the catalogue in
 * force once at start-up, with ids that do not change while the runbooks do not.
 */
@Injectable()
export class StoredRunbooksService implements OnApplicationBootstrap {
  private readonly connections: ReadonlySet<string>;

  constructor(
    @Inject(SETTINGS) settings: ExecutorSettings,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly messaging: TransactionalMessaging,
    private readonly repo: StoredRunbooksRepository,
    private readonly catalog: RunbookCatalogService,
    private readonly audit: AuditLog,
  ) {
    this.connections = new Set(settings.connections.keys());
  }

  async onApplicationBootstrap(): Promise<void> {
    const at = this.clock.now();
    const runbooks = this.catalog.list();
    try {
      await this.messaging.run(async (tx) => {
        for (const loaded of runbooks) {
          const { id, data } = startupEvent(loaded, at, this.catalog.sequenceOf(loaded.runbook.id));
          tx.stage('runbooks.catalog.changed', data, { id, subject: loaded.runbook.id });
        }
      });
    } catch (error) {
      // Not worth refusing to start over: the next start announces again, and every change is announced as it happens.
      this.logger.warn({ err: error }, 'could not announce the runbook catalogue at start-up');
    }
  }

  async store(id: string, body: StoreBody, actor: string) {
    const { runbook, problems } = validateRunbook(body.definition, { id, what: 'the id in the path' }, this.connections);
    if (!runbook) throw new AppError('validation_failed', problems.join('; '), 400, { issues: problems });
    const file = this.catalog.file(id);
    const { row, at } = await this.messaging.run(async (tx) => {
      await this.repo.lock(tx.manager, id);
      // Read under the lock, so a later version never carries an earlier time than the one before it (one clock).
      const at = this.clock.now();
      const stored = await this.repo.append(tx.manager, {
        id,
        definition: body.definition,
        prose: body.prose,
        createdBy: actor,
        createdAt: at,
      });
      await this.audit.record(
        {
          actor,
          action: file ? 'runbook.override' : 'runbook.store',
          target: id,
          details: { version: stored.version, ...(file ? { overridesFile: file.file } : {}) },
        },
        tx.manager,
      );
      const loaded: LoadedRunbook = {
        runbook,
        file: file?.file ?? null,
        prose: body.prose,
        source: 'api',
        version: stored.version,
        stored: { by: actor, at },
      };
      const event = storedChangeEvent({ runbookId: id, version: stored.version, changedBy: actor, at }, loaded);
      tx.stage('runbooks.catalog.changed', event.data, { id: event.id, subject: id });
      return { row: stored, at };
    });
    await this.catalog.refresh();
    return { id, version: row.version, source: 'api' as const, overridesFile: file?.file ?? null, createdAt: at.toISOString() };
  }

  async remove(id: string, actor: string) {
    const file = this.catalog.file(id);
    const row = await this.messaging.run(async (tx) => {
      await this.repo.lock(tx.manager, id);
      const at = this.clock.now();
      const latest = await this.repo.latestOf(tx.manager, id);
      if (!latest || latest.definition === null) throw notFound('stored runbook', id);
      const tombstone = await this.repo.append(tx.manager, { id, definition: null, prose: null, createdBy: actor, createdAt: at });
      await this.audit.record(
        {
          actor,
          action: 'runbook.delete',
          target: id,
          details: { version: tombstone.version, deletedVersion: latest.version, ...(file ? { restoresFile: file.file } : {}) },
        },
        tx.manager,
      );
      const event = storedChangeEvent({ runbookId: id, version: tombstone.version, changedBy: actor, at }, file);
      tx.stage('runbooks.catalog.changed', event.data, { id: event.id, subject: id });
      return tombstone;
    });
    await this.catalog.refresh();
    return { id, version: row.version, inForce: file ? { source: 'file' as const, version: 0, file: file.file } : null };
  }

  async versions(id: string) {
    const rows = await this.repo.versions(id);
    const file = this.catalog.file(id);
    if (rows.length === 0 && !file) throw notFound('runbook', id);
    const inForce = this.catalog.get(id);
    return {
      id,
      inForce: inForce ? { source: inForce.source, version: inForce.version } : null,
      file: file?.file ?? null,
      versions: rows.map(versionView),
    };
  }
}
