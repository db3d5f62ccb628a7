import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@firebreak/platform';
import { cut } from '../notifications/text';
import { isAnswer, postJson } from '../providers/http';
import { escapeSlack } from '../providers/slack.provider';
import { NotifierConfig } from '../service';

// answerCallbackQuery shows at most 200 characters.
const TELEGRAM_MAX_ANSWER = 200;

/** Tells the person who pressed what came of it, in their chat. Best effort: a lost reply changes nothing. */
@Injectable()
export class ChatReplies {
  constructor(
    @Inject(CONFIG) private readonly config: NotifierConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** An ephemeral message (only the presser sees it) through the payload's response_url. */
  async slack(responseUrl: string, text: string): Promise<void> {
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
