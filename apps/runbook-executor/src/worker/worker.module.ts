import { Module } from '@nestjs/common';
import { ApprovalsModule } from '../approvals/approvals.module';
import { SettingsModule } from '../common/settings.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { SloStatesModule } from '../slo-states/slo-states.module';
import { StepsModule } from '../steps/steps.module';
import { VerificationModule } from '../verification/verification.module';
import { ExecutionClaims } from './execution-claims';
import { ExecutionRunner } from './execution-runner';
import { ExecutionWorker } from './execution-worker';
import { LeasedStepWrites } from './leased-step-writes';

/** Claims queued executions and runs them through the engine, keeping their leases alive. */
@Module({
  imports: [SettingsModule, LifecycleModule, ApprovalsModule, VerificationModule, StepsModule, SloStatesModule],
  providers: [ExecutionClaims, ExecutionRunner, ExecutionWorker, LeasedStepWrites],
})
export class WorkerModule {}
