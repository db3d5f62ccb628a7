import { DynamicModule, Module } from '@nestjs/common';
import { CONFIG, LOGGER } from '@firebreak/platform';
import type { Logger } from 'pino';
import { ChannelRegistry } from './channels/channel-registry';
import { ChannelsController } from './channels/channels.controller';
import { ChannelsService } from './channels/channels.service';
import { processEnvironment } from './channels/environment';
import { CLOCK, Clock, systemClock } from './clock';
import { BacklogFolder } from './notifications/backlog-folder';
import { DeliveriesRepository } from './notifications/deliveries.repository';
import { DeliveriesQueryRepository } from './notifications/deliveries-query.repository';
import { DeliveryDispatcher } from './notifications/delivery-dispatcher';
import { DeliveryHistoryService } from './notifications/delivery-history.service';
import { DeliverySettler } from './notifications/delivery-settler';
import { DeliveryWorker } from './notifications/delivery-worker';
import { NotificationsConsumer } from './notifications/notifications.consumer';
import { NotificationsController } from './notifications/notifications.controller';
import { NotificationsService } from './notifications/notifications.service';
import { RateBucketsRepository } from './notifications/rate-buckets.repository';
import { PagerDutyProvider } from './providers/pagerduty.provider';
import { ProviderRegistry } from './providers/provider-registry';
import { SlackProvider } from './providers/slack.provider';
import { TelegramProvider } from './providers/telegram.provider';
import { WebhookProvider } from './providers/webhook.provider';
import { NotifierConfig } from './service';

export interface NotifierModuleOptions {
  clock?: Clock;
}

@Module({})
export class NotifierModule {
  static register(options: NotifierModuleOptions = {}): DynamicModule {
    return {
      module: NotifierModule,
      controllers: [NotificationsController, ChannelsController],
      providers: [
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: ChannelRegistry,
          useFactory: (config: NotifierConfig, logger: Logger) => ChannelRegistry.load(config.FIREBREAK_CONFIG_DIR, config.FIREBREAK_CHANNELS_FILE, processEnvironment(), logger),
          inject: [CONFIG, LOGGER],
        },
        TelegramProvider,
        SlackProvider,
        PagerDutyProvider,
        WebhookProvider,
        ProviderRegistry,
        DeliveriesRepository,
        DeliveriesQueryRepository,
        RateBucketsRepository,
        BacklogFolder,
        DeliverySettler,
        DeliveryDispatcher,
        DeliveryWorker,
        NotificationsService,
        NotificationsConsumer,
        DeliveryHistoryService,
        ChannelsService,
      ],
    };
  }
}
