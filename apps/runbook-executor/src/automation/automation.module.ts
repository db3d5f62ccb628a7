import { Module } from '@nestjs/common';
import { SettingsModule } from '../common/settings.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RunbooksModule } from '../runbooks/runbooks.module';
import { AutomationController } from './automation.controller';
import { AutomationRepository } from './automation.repository';
import { AutomationService } from './automation.service';
import { ExecutionGate } from './execution-gate';

/** The safety rules for automatic runs: the kill switch, circuit breakers and loop protection. */
@Module({
  imports: [SettingsModule, LifecycleModule, RunbooksModule],
  controllers: [AutomationController],
  providers: [AutomationRepository, ExecutionGate, AutomationService],
  exports: [ExecutionGate],
})
export class AutomationModule {}
