import { Module } from '@nestjs/common';
import { CONFIG, PlatformModule } from '@firebreak/platform';
import { ApprovalsController } from './approvals/approvals.controller';
import { ApprovalsRepository } from './approvals/approvals.repository';
import { ApprovalsService } from './approvals/approvals.service';
import { AutomationController } from './automation/automation.controller';
import { AutomationRepository } from './automation/automation.repository';
import { AutomationService } from './automation/automation.service';
import { ExecutionGate } from './automation/execution-gate';
import { CLOCK, systemClock } from './common/clock';
import { loadSettings, SETTINGS } from './common/settings';
import { DrillsController } from './drills/drills.controller';
import { ExecutionFinalizer } from './executions/execution-finalizer';
import { ExecutionRunner } from './executions/execution-runner';
import { ExecutionWorker } from './executions/execution-worker';
import { ExecutionsConsumer } from './executions/executions.consumer';
import { ExecutionsController } from './executions/executions.controller';
import { ExecutionsQueryService } from './executions/executions-query.service';
import { ExecutionsRepository } from './executions/executions.repository';
import { ExecutionsService } from './executions/executions.service';
import { ManualRunsService } from './executions/manual-runs.service';
import { TimersService } from './executions/timers.service';
import { RunbookCatalogService } from './runbooks/runbook-catalog.service';
import { RunbooksController } from './runbooks/runbooks.controller';
import { SERVICE, type ExecutorConfig } from './service';
import { StepRunnersProvider } from './steps/step-runners.provider';
import { AlertStatesRepository } from './verification/alert-states.repository';
import { VerificationConsumer } from './verification/verification.consumer';
import { VerificationService } from './verification/verification.service';


@Module({
  imports: [PlatformModule.forService(SERVICE)],
  controllers: [RunbooksController, ExecutionsController, ApprovalsController, DrillsController, AutomationController],
  providers: [
    { provide: CLOCK, useValue: systemClock },
    { provide: SETTINGS, useFactory: (config: ExecutorConfig) => loadSettings(config), inject: [CONFIG] },
    RunbookCatalogService,
    StepRunnersProvider,
    ExecutionsRepository,
    ApprovalsRepository,
    AutomationRepository,
    AlertStatesRepository,
    ExecutionGate,
    ExecutionFinalizer,
    ExecutionRunner,
    ExecutionWorker,
    ExecutionsService,
    ExecutionsQueryService,
    ManualRunsService,
    ExecutionsConsumer,
    ApprovalsService,
    AutomationService,
    VerificationService,
    VerificationConsumer,
    TimersService,
  ],
})
export class AppModule {}
