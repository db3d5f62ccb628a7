import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { asPostgresOutage } from '@firebreak/bus';
import { LOGGER } from '@firebreak/platform';
import { knownRunbooks } from '../core/metrics';
import { RefreshingValue } from '../core/refreshing-value';
import { FILE_MAPPINGS, FileMappings } from './mapping-config';
import { matchRunbook, RunbookMapping } from './runbook-matcher';
import { MappingsRepository } from './mappings.repository';

/**
 * Resolves alert → runbook with `matchRunbook` against the file and the runtime mappings (kept in
 * memory, refreshed every second). With Postgres away the last runtime mappings loaded stay in force,
 * so ingest does not fail on the cache: an alert waits for Postgres only in its own transaction, where
 * the outage is recognised and waited out rather than counted towards dead-lettering.
 */
@Injectable()
export class MappingResolver implements OnModuleInit {
  private readonly runtime: RefreshingValue<ReadonlyMap<string, string>>;
  private readonly fileRunbooks: ReadonlySet<string>;

  constructor(
    repository: MappingsRepository,
    @Inject(FILE_MAPPINGS) readonly file: FileMappings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.runtime = new RefreshingValue(async () => new Map((await repository.all()).map((row) => [row.alertname, row.runbookId])), {
      maxAgeMs: 1_000,
      onStale: (error) =>
        this.logger.warn(
          { err: error },
          'runtime mappings could not be refreshed; the last ones loaded stay in force until Postgres answers',
        ),
      onRecovered: () => this.logger.info('runtime mappings refreshed again'),
    });
    this.fileRunbooks = new Set([...file.alertnames.values(), ...file.rules.map((rule) => rule.runbook)]);
  }

  onModuleInit(): void {
    knownRunbooks.has = (runbookId) => this.isMapped(runbookId);
  }

  async resolve(labels: Record<string, string>, annotations: Record<string, string>): Promise<RunbookMapping | null> {
    return matchRunbook(labels, annotations, { file: this.file, runtime: await this.runtimeMappings() });
  }

  invalidate(): void {
    this.runtime.invalidate();
  }

  /** Whether an operator mapped this runbook (file or runtime mappings, as last loaded): bounds metric labels. */
  isMapped(runbookId: string): boolean {
    if (this.fileRunbooks.has(runbookId)) return true;
    for (const mapped of this.runtime.peek()?.values() ?? []) if (mapped === runbookId) return true;
    return false;
  }

  private async runtimeMappings(): Promise<ReadonlyMap<string, string>> {
    try {
      return await this.runtime.get();
    } catch (error) {
      // Nothing loaded yet (the first read after start): an outage is waited out like any other.
      throw asPostgresOutage(error);
    }
  }
}
