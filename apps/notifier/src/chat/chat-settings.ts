import { ConfigError } from '@firebreak/platform';
import { ChatEnv } from '../providers/buttons';

export interface ChatSettings {
  slack?: { signingSecret: string };
  telegram?: { webhookUrl: string; secret: string };
}

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
  // Telegram's setWebhook takes HTTPS only: anything else would fail at every retry while buttons are drawn.
  if (url !== undefined && !url.startsWith('https://'))
    throw new ConfigError(['FIREBREAK_TELEGRAM_WEBHOOK_URL must be an https:// URL (Telegram calls webhooks over HTTPS only)']);
  return {
    ...(config.FIREBREAK_SLACK_SIGNING_SECRET ? { slack: { signingSecret: config.FIREBREAK_SLACK_SIGNING_SECRET } } : {}),
    ...(url && secret ? { telegram: { webhookUrl: url, secret } } : {}),
  };
}
