import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@firebreak/platform';
import { executorMetrics } from '../common/metrics';
import { ExecutorSettings, SETTINGS } from '../common/settings';
import type { ExecutorConfig } from '../service';
import { LoadedRunbook, loadRunbooks, RunbookCatalogue, RunbookLoadError } from './runbook-loader';

/** The runbooks loaded at start. A bad file is logged with its path and fields and left out; the others serve. */
@Injectable()
export class RunbookCatalogService implements OnModuleInit {
  private catalogue: RunbookCatalogue = { runbooks: new Map(), errors: [] };

  constructor(
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    @Inject(SETTINGS) private readonly settings: ExecutorSettings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.catalogue = loadRunbooks(this.config.FIREBREAK_RUNBOOKS_DIR, new Set(this.settings.connections.keys()));
    for (const error of this.catalogue.errors)
      this.logger.error({ file: error.file, problems: error.problems }, `runbook ${error.file} is invalid and was not loaded`);
    executorMetrics.loadErrors.set(this.catalogue.errors.length);
    this.logger.info(
      { dir: this.config.FIREBREAK_RUNBOOKS_DIR, loaded: [...this.catalogue.runbooks.keys()], invalid: this.catalogue.errors.length },
      'runbooks loaded',
    );
  }

  get(id: string): LoadedRunbook | undefined {
    return this.catalogue.runbooks.get(id);
  }

  list(): LoadedRunbook[] {
    return [...this.catalogue.runbooks.values()];
  }

  errors(id?: string): RunbookLoadError[] {
    return id === undefined ? this.catalogue.errors : this.catalogue.errors.filter((error) => error.id === id);
  }
}
