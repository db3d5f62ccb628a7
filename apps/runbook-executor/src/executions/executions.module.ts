import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { AutomationModule } from '../automation/automation.module';
import { SettingsModule } from '../common/settings.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RunbooksModule } from '../runbooks/runbooks.module';
import { ExecutionsQueryService } from './executions-query.service';
import { ExecutionsConsumer } from './executions.consumer';
import { ExecutionsController } from './executions.controller';
import { ExecutionRecording } from './execution-recording';
import { RequestsRecorder } from './requests-recorder';
import { ExecutionsService } from './executions.service';
import { ManualRunsController } from './manual-runs.controller';
import { ManualRunsService } from './manual-runs.service';

/** Executions as the outside sees them: created from runbooks.requested or by a person, listed, shown and cancelled. */
@Module({
  imports: [SettingsModule, LifecycleModule, ApprovalsModule, AutomationModule, RunbooksModule],
  controllers: [ExecutionsController, ManualRunsController],
  providers: [ExecutionRecording, RequestsRecorder, ExecutionsService, ExecutionsQueryService, ManualRunsService, ExecutionsConsumer],
  exports: [ManualRunsService],
})
export class ExecutionsModule {}
