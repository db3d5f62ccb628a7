import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog, CLOCK, Clock, notFound } from '@firebreak/platform';
import { MappingResolver } from './mapping-resolver.service';
import { explainMapping, MappingTestResult } from './mapping-test';
import { MAPPING_PRECEDENCE, RUNBOOK_ANNOTATION } from './runbook-matcher';
import { MappingsRepository, RuntimeMapping } from './mappings.repository';

@Injectable()
export class MappingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly repository: MappingsRepository,
    private readonly resolver: MappingResolver,
    private readonly audit: AuditLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Every mapping in force, in the order they are tried. */
  async inForce() {
    return {
      precedence: MAPPING_PRECEDENCE,
      annotation: RUNBOOK_ANNOTATION,
      runtime: await this.repository.all(),
      file: {
        alertnames: Object.fromEntries(this.resolver.file.alertnames),
        rules: this.resolver.file.rules.map((rule) => ({ matchers: rule.text, runbook: rule.runbook })),
      },
    };
  }

  /** The runbook an alert with these labels and annotations would get now, through the resolver alerts go through. */
  async test(labels: Record<string, string>, annotations: Record<string, string>): Promise<MappingTestResult> {
    const mapping = await this.resolver.resolve(labels, annotations);
    return explainMapping(mapping, labels, annotations, this.resolver.file);
  }

  async put(alertname: string, runbookId: string, actor: string): Promise<RuntimeMapping> {
    const mapping: RuntimeMapping = { alertname, runbookId, updatedBy: actor, updatedAt: this.clock.now() };
    await this.dataSource.transaction(async (manager) => {
      const previous = await this.repository.lock(manager, alertname);
      await this.repository.upsert(manager, mapping);
      await this.audit.record(
        { actor, action: 'mapping.put', target: alertname, details: { runbookId, previous: previous?.runbookId ?? null } },
        manager,
      );
    });
    this.resolver.invalidate();
    return mapping;
  }

  async delete(alertname: string, actor: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const previous = await this.repository.lock(manager, alertname);
      if (!previous) throw notFound('runtime mapping for alertname', JSON.stringify(alertname));
      await this.repository.delete(manager, alertname);
      await this.audit.record({ actor, action: 'mapping.delete', target: alertname, details: { runbookId: previous.runbookId } }, manager);
    });
    this.resolver.invalidate();
  }
}
