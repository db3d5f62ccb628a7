import { Injectable, OnModuleInit } from '@nestjs/common';
import { activeAlertsSource } from '../core/metrics';
import { AlertsRepository } from './alerts.repository';

/** Points the firebreak_alerts_active gauge at this instance's table. */
@Injectable()
export class ActiveAlertsGauge implements OnModuleInit {
  constructor(private readonly alerts: AlertsRepository) {}

  onModuleInit(): void {
    activeAlertsSource.read = () => this.alerts.activeCounts();
  }
}
