import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { AlertmanagerWebhook, alertsReceivedFromWebhook } from '@firebreak/contracts';
import { LOGGER } from '@firebreak/platform';
import { AlertIntake } from '../intake/alert-intake.service';
import { AcceptedAlertsDto } from '../intake/intake.dto';
import { ingressMetrics } from '../metrics';
import { meetsAlertReceivedContract } from './webhook-validator';

@Injectable()
export class WebhookService {
  constructor(
    private readonly intake: AlertIntake,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  receive(webhook: AlertmanagerWebhook): Promise<AcceptedAlertsDto> {
    if (webhook.truncatedAlerts > 0) {
      ingressMetrics.truncatedAlerts.inc(webhook.truncatedAlerts);
      this.logger.warn(
        { receiver: webhook.receiver, groupKey: webhook.groupKey, sent: webhook.alerts.length, truncatedAlerts: webhook.truncatedAlerts },
        "Alertmanager left alerts out of this webhook (the receiver's max_alerts): Firebreak never sees them",
      );
    }
    const receivedAt = new Date();
    const alerts = alertsReceivedFromWebhook(webhook, receivedAt);
    return this.intake.accept(alerts, receivedAt, meetsAlertReceivedContract(alerts));
  }
}
