import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RunbookOutcomesConsumer } from './runbook-outcomes.consumer';
import { RunbookOutcomesService } from './runbook-outcomes.service';

/** How the runbooks the mapper requested ended (runbooks.execution.failed / .succeeded). */
@Module({
  imports: [LifecycleModule],
  providers: [RunbookOutcomesService, RunbookOutcomesConsumer],
})
export class RunbooksModule {}
