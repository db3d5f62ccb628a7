import { Module } from '@nestjs/common';
import { EscalationModule } from '../escalation/escalation.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { MappingsModule } from '../mappings/mappings.module';
import { IntegrationStatusController } from './integration-status.controller';
import { IntegrationStatusService } from './integration-status.service';

/** GET /api/v1/integration-status: automation on or off, mappings in force, escalation policy, runbook requests by outcome. */
@Module({
  imports: [LifecycleModule, MappingsModule, EscalationModule],
  controllers: [IntegrationStatusController],
  providers: [IntegrationStatusService],
})
export class IntegrationStatusModule {}
