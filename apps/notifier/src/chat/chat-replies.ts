import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@firebreak/platform';
import { ChannelRegistry } from '../channel-config/channel-registry';
import { cut } from '../notifications/text';
import { isAnswer, postJson } from '../providers/http';
import { escapeSlack } from '../providers/slack.provider';
import { NotifierConfig } from '../service';

// answerCallbackQuery shows at most 200 characters.
const TELEGRAM_MAX_ANSWER = 200;
// Where Slack's response_url points (https://hooks.slack.com/actions/…).
const SLACK_RESPONSE_ORIGIN = 'https://hooks.slack.com';

const originOf = (url: string): string | undefined => {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

/** Tells the person who pressed what came of it, in their chat. Best effort: a lost reply changes nothing. */
@Injectable()
export class ChatReplies {
  constructor(
    @Inject(CONFIG) private readonly config: NotifierConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly channels: ChannelRegistry,
  ) {}

  private responseOrigins?: Set<string>;

  /**
   * An ephemeral message (only the presser sees it) through the payload's response_url. Only to Slack's own
   * origin (or that of a Slack channel's configured `apiUrl`, e.g. a proxy): whoever holds the signing secret
   * must not be able to make the notifier POST into the internal network.
   */
  async slack(responseUrl: string, text: string): Promise<void> {
    this.responseOrigins ??= new Set(
      [
        SLACK_RESPONSE_ORIGIN,
        ...this.channels
          .all()
          .flatMap((channel) => (channel.config.type === 'slack' && channel.config.apiUrl ? [originOf(channel.config.apiUrl)] : [])),
      ].filter((origin): origin is string => origin !== undefined),
    );
    if (!this.responseOrigins.has(originOf(responseUrl) ?? '')) {
      this.logger.warn({ origin: originOf(responseUrl) }, 'slack response_url is not a Slack URL: no reply sent');
      return;
    }
    const body = { response_type: 'ephemeral', replace_original: false, text: escapeSlack(text) };
    await this.post('slack response_url', responseUrl, body);
  }

  /** Telegram's toast for the press; `alert` shows a dialog the person must dismiss (for refusals). */
  async telegram(botToken: string, callbackQueryId: string, text: string, alert: boolean): Promise<void> {
    const body = { callback_query_id: callbackQueryId, text: cut(text, TELEGRAM_MAX_ANSWER), show_alert: alert };
    await this.post('telegram answerCallbackQuery', this.telegramMethod(botToken, 'answerCallbackQuery'), body, botToken);
  }

  /** Points the bot's updates at our webhook, with the secret Telegram will send back in X-Telegram-Bot-Api-Secret-Token. */
  async setTelegramWebhook(botToken: string, url: string, secret: string): Promise<boolean> {
    const body = { url, secret_token: secret, allowed_updates: ['callback_query'] };
    return this.post('telegram setWebhook', this.telegramMethod(botToken, 'setWebhook'), body, botToken);
  }

  private telegramMethod(botToken: string, method: string): string {
    return `${this.config.TELEGRAM_API_URL.replace(/\/+$/, '')}/bot${botToken}/${method}`;
  }

  private async post(what: string, url: string, body: unknown, secret?: string): Promise<boolean> {
    const answer = await postJson(url, body, { timeoutMs: this.config.FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS });
    if (isAnswer(answer) && answer.status >= 200 && answer.status < 300) return true;
    // The bot token is part of Telegram's URLs: never in a log line.
    const error = (isAnswer(answer) ? `HTTP ${answer.status}: ${answer.body.slice(0, 200)}` : answer.error)
      .split(secret ?? '\u0000')
      .join('<token>');
    this.logger.warn({ error }, `${what} failed`);
    return false;
  }
}
