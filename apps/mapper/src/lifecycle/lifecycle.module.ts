import { Module } from '@nestjs/common';
import { AlertLifecycle } from './alert-lifecycle.service';
import { AlertStateRepository } from './alert-state.repository';
import { HistoryRepository } from './history.repository';
import { RunbookRequestsRepository } from './runbook-requests.repository';
import { TimersRepository } from './timers.repository';

/** The alert lifecycle: the machine, the transactions that perform it, and the tables it writes. Every feature that changes an alert builds on it. */
@Module({
  providers: [AlertStateRepository, HistoryRepository, TimersRepository, RunbookRequestsRepository, AlertLifecycle],
  exports: [AlertLifecycle, AlertStateRepository, HistoryRepository, TimersRepository, RunbookRequestsRepository],
})
export class LifecycleModule {}
