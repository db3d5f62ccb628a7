import { ConfigError } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { NotifierConfig } from '../service';

export interface ChatSettings {
  slack?: { signingSecret: string };
  telegram?: { webhookUrl: string; secret: string };
}

type ChatEnv = Pick<
  NotifierConfig,
  'FIREBREAK_SLACK_SIGNING_SECRET' | 'FIREBREAK_TELEGRAM_WEBHOOK_URL' | 'FIREBREAK_TELEGRAM_WEBHOOK_SECRET'
>;

/** Interactivity per provider: on when its secret is set. A Telegram secret is useless without the URL, and the other way round. */
export function chatSettings(config: ChatEnv): ChatSettings {
  const url = config.FIREBREAK_TELEGRAM_WEBHOOK_URL;
  const secret = config.FIREBREAK_TELEGRAM_WEBHOOK_SECRET;
  if ((url === undefined) !== (secret === undefined))
    throw new ConfigError([
      `${url === undefined ? 'FIREBREAK_TELEGRAM_WEBHOOK_URL' : 'FIREBREAK_TELEGRAM_WEBHOOK_SECRET'} is required when ${
        url === undefined ? 'FIREBREAK_TELEGRAM_WEBHOOK_SECRET' : 'FIREBREAK_TELEGRAM_WEBHOOK_URL'
      } is set (Telegram buttons need both)`,
    ]);
  return {
    ...(config.FIREBREAK_SLACK_SIGNING_SECRET ? { slack: { signingSecret: config.FIREBREAK_SLACK_SIGNING_SECRET } } : {}),
    ...(url && secret ? { telegram: { webhookUrl: url, secret } } : {}),
  };
}

/**
 * Whether a channel's messages carry buttons. Slack needs the Web API (botToken + channelId): a message
 * sent through an incoming webhook cannot call back; Telegram needs its webhook.
 */
export function hasButtons(config: ChatEnv, channel: Channel): boolean {
  if (channel.config.type === 'slack') return Boolean(config.FIREBREAK_SLACK_SIGNING_SECRET) && channel.config.botToken !== undefined;
  if (channel.config.type === 'telegram') return Boolean(config.FIREBREAK_TELEGRAM_WEBHOOK_SECRET && config.FIREBREAK_TELEGRAM_WEBHOOK_URL);
  return false;
}
