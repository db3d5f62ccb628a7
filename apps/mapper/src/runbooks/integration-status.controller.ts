import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import ms from 'ms';
import { Severity } from '@firebreak/contracts';
import { CONFIG, RequireRole } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { ESCALATION_POLICY } from '../core/core.module';
import { RunbookRequestsRepository } from '../lifecycle/runbook-requests.repository';
import { MappingsService } from '../mappings/mappings.service';

@ApiTags('integration')
@Controller('api/v1/integration-status')
export class IntegrationStatusController {
  constructor(
    private readonly requests: RunbookRequestsRepository,
    private readonly mappings: MappingsService,
    @Inject(CONFIG) private readonly config: MapperConfig,
    @Inject(ESCALATION_POLICY) private readonly escalation: ReadonlyMap<Severity, number>,
  ) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Whether automation is on, the mappings in force, and the runbooks requested with their outcomes' })
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
