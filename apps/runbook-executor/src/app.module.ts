import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { ApprovalsModule } from './approvals/approvals.module';
import { AutomationModule } from './automation/automation.module';
import { DrillsModule } from './drills/drills.module';
import { ExecutionsModule } from './executions/executions.module';
import { RunbooksModule } from './runbooks/runbooks.module';
import { SchedulingModule } from './scheduling/scheduling.module';
import { SERVICE } from './service';
import { SloStatesModule } from './slo-states/slo-states.module';
import { VerificationModule } from './verification/verification.module';
import { WorkerModule } from './worker/worker.module';

@Module({
  imports: [
    PlatformModule.forService(SERVICE),
    RunbooksModule,
    ExecutionsModule,
    ApprovalsModule,
    AutomationModule,
    VerificationModule,
    WorkerModule,
    DrillsModule,
    SchedulingModule,
    SloStatesModule,
  ],
})
export class AppModule {}
