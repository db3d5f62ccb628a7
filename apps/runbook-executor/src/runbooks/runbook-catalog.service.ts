import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { executorMetrics } from '../common/metrics';
import { ExecutorSettings, SETTINGS } from '../common/settings';
import type { ExecutorConfig } from '../service';
import { LoadedRunbook, loadRunbooks, RunbookCatalogue, RunbookLoadError, validateRunbook } from './runbook-loader';
import { StoredRunbookRow, StoredRunbooksRepository } from './stored-runbooks.repository';

/** A stored version as this replica sees it: loaded, or left out with its problems (a tombstone is neither). */
interface StoredEntry {
  version: number;
  loaded?: LoadedRunbook;
  error?: RunbookLoadError;
}

/**
 * The runbooks in force: the files loaded at start, overridden by the latest version stored by API in Postgres.
 * Every replica reloads the stored ones on a short poll (FIREBREAK_RUNBOOK_REFRESH_MS) and at once after a change it
 * made itself, so a PUT takes effect everywhere without a restart. A bad file is logged with its path and fields and
 * left out; a stored version that no longer validates here (say connections.yaml differs) is left out too, and its
 * id is not served from the file either: an admin's override is never silently replaced by what it overrode.
 */
@Injectable()
export class RunbookCatalogService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private files: RunbookCatalogue = { runbooks: new Map(), errors: [] };
  private stored = new Map<string, StoredEntry>();
  private runbooks = new Map<string, LoadedRunbook>();
  private loadErrors: RunbookLoadError[] = [];
  private readonly connections: ReadonlySet<string>;
  private readonly poller: Poller;
  /** Reloads started and the latest one applied: a slow reload that read before a change must not undo a newer one. */
  private reloadsStarted = 0;
  private reloadApplied = 0;
  /** The table's signature at the read last applied: while it holds, a tick reads no definition. */
  private appliedSignature?: string;

  constructor(
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    @Inject(SETTINGS) settings: ExecutorSettings,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repo: StoredRunbooksRepository,
  ) {
    this.connections = new Set(settings.connections.keys());
    this.poller = new Poller({
      name: 'runbook-catalog',
      intervalMs: config.FIREBREAK_RUNBOOK_REFRESH_MS,
      tick: () => this.reloadStored(),
      logger,
    });
  }

  async onModuleInit(): Promise<void> {
    this.files = loadRunbooks(this.config.FIREBREAK_RUNBOOKS_DIR, this.connections);
    for (const error of this.files.errors)
      this.logger.error({ file: error.file, problems: error.problems }, `runbook ${error.file} is invalid and was not loaded`);
    this.logger.info(
      { dir: this.config.FIREBREAK_RUNBOOKS_DIR, loaded: [...this.files.runbooks.keys()], invalid: this.files.errors.length },
      'runbooks loaded',
    );
    // Before the first request or bus message: a shipped id an admin overrode must never run as the file.
    await this.reloadStored();
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }

  /**
   * Reloads the stored runbooks now, after a change this replica committed. Not the poller's tick: one in flight may
   * have read before the commit; this reload starts after it, and whichever finishes last, the newer read is kept.
   */
  refresh(): Promise<void> {
    return this.reloadStored();
  }

  get(id: string): LoadedRunbook | undefined {
    return this.runbooks.get(id);
  }

  list(): LoadedRunbook[] {
    return [...this.runbooks.values()].sort((a, b) => a.runbook.id.localeCompare(b.runbook.id));
  }

  /** The shipped file of an id, whatever is in force. */
  file(id: string): LoadedRunbook | undefined {
    return this.files.runbooks.get(id);
  }

  /**
   * The id's current version in stored_runbooks as this replica last read it (a tombstone's included; 0 if never
   * stored): what the catalogue event of a file in force says, so it never goes below an earlier announcement.
   */
  sequenceOf(id: string): number {
    return this.stored.get(id)?.version ?? 0;
  }

  errors(id?: string): RunbookLoadError[] {
    return id === undefined ? this.loadErrors : this.loadErrors.filter((error) => error.id === id);
  }

  /** Validates a stored version; only versions not seen before are parsed again. */
  private entryOf(row: StoredRunbookRow): StoredEntry {
    const known = this.stored.get(row.id);
    if (known?.version === row.version) return known;
    if (row.definition === null) return { version: row.version };
    const { runbook, problems } = validateRunbook(row.definition, { id: row.id, what: 'the stored id' }, this.connections);
    if (!runbook) {
      const error = { id: row.id, file: `stored by API, version ${row.version}`, problems };
      this.logger.error({ runbook: row.id, version: row.version, problems }, `stored runbook ${row.id} is invalid here and was not loaded`);
      return { version: row.version, error };
    }
    return {
      version: row.version,
      loaded: {
        runbook,
        file: this.files.runbooks.get(row.id)?.file ?? null,
        prose: row.prose,
        source: 'api',
        version: row.version,
        stored: { by: row.created_by, at: new Date(row.created_at) },
      },
    };
  }

  /**
   * Reads every id's latest stored version, but only when the table changed since the read last applied: the
   * signature (count, max version) is read first and costs no definition. It is read before the rows, so the rows
   * are at least as new as the signature kept with them (at worst one needless read on the next tick).
   */
  private async reloadStored(): Promise<void> {
    const reload = ++this.reloadsStarted;
    const signature = await this.repo.signature();
    if (signature === this.appliedSignature) return;
    const rows = await this.repo.latest();
    if (reload < this.reloadApplied) return;
    this.reloadApplied = reload;
    this.appliedSignature = signature;
    const stored = new Map(rows.map((row) => [row.id, this.entryOf(row)]));
    const runbooks = new Map(this.files.runbooks);
    const errors = [...this.files.errors];
    for (const [id, entry] of stored) {
      if (entry.loaded) runbooks.set(id, entry.loaded);
      else if (entry.error) {
        runbooks.delete(id);
        errors.push(entry.error);
      }
    }
    const changed = [...stored].filter(([id, entry]) => this.stored.get(id)?.version !== entry.version).map(([id]) => id);
    this.stored = stored;
    this.runbooks = runbooks;
    this.loadErrors = errors;
    executorMetrics.loadErrors.set(errors.length);
    if (changed.length) this.logger.info({ changed }, 'stored runbooks reloaded');
  }
}
