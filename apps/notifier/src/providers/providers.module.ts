import { Module } from '@nestjs/common';
import { PagerDutyProvider } from './pagerduty.provider';
import { ProviderRegistry } from './provider-registry';
import { SlackProvider } from './slack.provider';
import { TelegramProvider } from './telegram.provider';
import { WebhookProvider } from './webhook.provider';

/** One provider per vendor, reached through the registry by channel type. */
@Module({
  providers: [TelegramProvider, SlackProvider, PagerDutyProvider, WebhookProvider, ProviderRegistry],
  exports: [ProviderRegistry],
})
export class ProvidersModule {}
