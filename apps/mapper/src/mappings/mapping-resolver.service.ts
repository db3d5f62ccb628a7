import { Inject, Injectable } from '@nestjs/common';
import { FILE_MAPPINGS } from '../core/core.module';
import { RefreshingValue } from '../core/refreshing-value';
import { FileMappings } from './mapping-config';
import { resolveRunbook, RunbookMapping } from './mapping-resolver';
import { MappingsRepository } from './mappings.repository';

/** Resolves alert → runbook against the file and the runtime mappings (kept in memory, refreshed every second). */
@Injectable()
export class MappingResolver {
  private readonly runtime: RefreshingValue<ReadonlyMap<string, string>>;

  constructor(
    repository: MappingsRepository,
    @Inject(FILE_MAPPINGS) readonly file: FileMappings,
  ) {
    this.runtime = new RefreshingValue(new Map(), async () => new Map((await repository.all()).map((row) => [row.alertname, row.runbookId])), 1_000);
  }

  async resolve(labels: Record<string, string>, annotations: Record<string, string>): Promise<RunbookMapping | null> {
    return resolveRunbook(labels, annotations, { file: this.file, runtime: await this.runtime.get() });
  }

  invalidate(): void {
    this.runtime.invalidate();
  }
}
