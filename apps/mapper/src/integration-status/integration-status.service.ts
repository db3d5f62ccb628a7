import { Inject, Injectable } from '@nestjs/common';
import ms from 'ms';
import { CONFIG } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { ESCALATION_POLICY, EscalationPolicy } from '../escalation/escalation-config';
import { RunbookRequestsRepository } from '../lifecycle/runbook-requests.repository';
import { MappingsService } from '../mappings/mappings.service';

/** How the mapper is wired to automation: the switch, the mappings, the escalation policy, and what was requested. */
@Injectable()
export class IntegrationStatusService {
  constructor(
    private readonly requests: RunbookRequestsRepository,
    private readonly mappings: MappingsService,
    @Inject(CONFIG) private readonly config: MapperConfig,
    @Inject(ESCALATION_POLICY) private readonly escalation: EscalationPolicy,
  ) {}

  async status() {
    const counts = await this.requests.counts();
    const byRunbook: Record<string, { total: number; byStatus: Record<string, number> }> = {};
    const byStatus: Record<string, number> = {};
    for (const { runbookId, status, count } of counts) {
      const entry = (byRunbook[runbookId] ??= { total: 0, byStatus: {} });
      entry.total += count;
      entry.byStatus[status] = count;
      byStatus[status] = (byStatus[status] ?? 0) + count;
    }
    return {
      automation: { enabled: this.config.FIREBREAK_AUTOMATION_ENABLED },
      mappings: await this.mappings.inForce(),
      escalation: Object.fromEntries([...this.escalation].map(([severity, delay]) => [severity, ms(delay)])),
      requests: { total: counts.reduce((sum, row) => sum + row.count, 0), byRunbook, byStatus },
    };
  }
}
