import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { MappingsModule } from '../mappings/mappings.module';
import { IntegrationStatusController } from './integration-status.controller';
import { RunbookOutcomesConsumer } from './runbook-outcomes.consumer';
import { RunbookOutcomesService } from './runbook-outcomes.service';

@Module({
  imports: [LifecycleModule, MappingsModule],
  controllers: [IntegrationStatusController],
  providers: [RunbookOutcomesService, RunbookOutcomesConsumer],
})
export class RunbooksModule {}
