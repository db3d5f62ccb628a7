import { Injectable } from '@nestjs/common';
import { ChannelType } from '../channel-config/channels.config';
import { PagerDutyProvider } from './pagerduty.provider';
import { ChannelProvider } from './provider';
import { SlackProvider } from './slack.provider';
import { TelegramProvider } from './telegram.provider';
import { WebhookProvider } from './webhook.provider';

@Injectable()
export class ProviderRegistry {
  private readonly byType: Record<ChannelType, ChannelProvider>;

  constructor(telegram: TelegramProvider, slack: SlackProvider, pagerduty: PagerDutyProvider, webhook: WebhookProvider) {
    this.byType = { telegram, slack, pagerduty, webhook };
  }

  for(type: ChannelType): ChannelProvider {
    return this.byType[type];
  }
}
