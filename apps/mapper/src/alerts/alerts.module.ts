import { Module } from '@nestjs/common';
import { ChatUsers } from '@firebreak/contracts';
import { BaseServiceConfig, CONFIG, loadChatUsers } from '@firebreak/platform';
import { EscalationModule } from '../escalation/escalation.module';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { MappingsModule } from '../mappings/mappings.module';
import { SilencesModule } from '../silences/silences.module';
import { ActiveAlertsGauge } from './active-alerts.gauge';
import { AlertActionsService } from './alert-actions.service';
import { AlertCommandsConsumer } from './alert-commands.consumer';
import { AlertIngestService } from './alert-ingest.service';
import { AlertsQueryService } from './alerts-query.service';
import { AlertsConsumer } from './alerts.consumer';
import { AlertsController } from './alerts.controller';
import { AlertsRepository } from './alerts.repository';

/** Alerts in (alerts.received), the alert API (listing, detail, acknowledge, resolve) and acknowledge requests from the chat. */
@Module({
  imports: [LifecycleModule, SilencesModule, MappingsModule, EscalationModule],
  controllers: [AlertsController],
  providers: [
    AlertsRepository,
    AlertIngestService,
    AlertsConsumer,
    AlertCommandsConsumer,
    AlertActionsService,
    AlertsQueryService,
    ActiveAlertsGauge,
    // Who a chat request comes from: the same file the notifier checks presses against.
    { provide: ChatUsers, useFactory: (config: BaseServiceConfig) => loadChatUsers(config), inject: [CONFIG] },
  ],
})
export class AlertsModule {}
