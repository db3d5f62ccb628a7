import { Inject, Injectable } from '@nestjs/common';
import { RefreshingValue } from '../core/refreshing-value';
import { FILE_MAPPINGS, FileMappings } from './mapping-config';
import { matchRunbook, RunbookMapping } from './runbook-matcher';
import { MappingsRepository } from './mappings.repository';

/** Resolves alert → runbook with `matchRunbook` against the file and the runtime mappings (kept in memory, refreshed every second). */
@Injectable()
export class MappingResolver {
  private readonly runtime: RefreshingValue<ReadonlyMap<string, string>>;

  constructor(
    repository: MappingsRepository,
    @Inject(FILE_MAPPINGS) readonly file: FileMappings,
  ) {
    this.runtime = new RefreshingValue(
      new Map(),
      async () => new Map((await repository.all()).map((row) => [row.alertname, row.runbookId])),
      1_000,
    );
  }

  async resolve(labels: Record<string, string>, annotations: Record<string, string>): Promise<RunbookMapping | null> {
    return matchRunbook(labels, annotations, { file: this.file, runtime: await this.runtime.get() });
  }

  invalidate(): void {
    this.runtime.invalidate();
  }
}
