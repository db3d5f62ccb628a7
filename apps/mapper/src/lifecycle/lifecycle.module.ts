import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { activeAlertsSource } from '../core/metrics';
import { AlertTransactions } from './alert-transactions';
import { AlertsRepository } from './alerts.repository';
import { HistoryRepository } from './history.repository';
import { RunbookRequestsRepository } from './runbook-requests.repository';
import { TimersRepository } from './timers.repository';

/** Points the firebreak_alerts_active gauge at this instance's table. */
@Injectable()
class ActiveAlertsGauge implements OnModuleInit {
  constructor(private readonly alerts: AlertsRepository) {}
  onModuleInit(): void {
    activeAlertsSource.read = () => this.alerts.activeCounts();
  }
}

/** Alert state and what goes with changing it; the features (ingest, API, silences, timers) build on it. */
@Module({
  providers: [AlertsRepository, HistoryRepository, TimersRepository, RunbookRequestsRepository, AlertTransactions, ActiveAlertsGauge],
  exports: [AlertsRepository, HistoryRepository, TimersRepository, RunbookRequestsRepository, AlertTransactions],
})
export class LifecycleModule {}
