import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { describeZodError } from '@firebreak/contracts';
import { AppError, LOGGER } from '@firebreak/platform';
import { ChannelRegistry } from '../channel-config/channel-registry';
import { notifierMetrics } from '../metrics';
import { actionOfTelegram } from '../providers/buttons';
import { sameSecret } from './chat-auth';
import { TelegramUpdateSchema } from './chat-payloads';
import { ChatReplies } from './chat-replies';
import { ChatSettings } from './chat-settings';
import { CHAT_SETTINGS } from './chat.tokens';
import { ChatService } from './chat.service';

/** Telegram's webhook: check the secret token, turn a callback_query into a press, answer it. */
@Injectable()
export class TelegramUpdates {
  constructor(
    @Inject(CHAT_SETTINGS) private readonly settings: ChatSettings,
    private readonly registry: ChannelRegistry,
    private readonly chat: ChatService,
    private readonly replies: ChatReplies,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async handle(secretHeader: string | undefined, channelName: string | undefined, body: unknown): Promise<void> {
    const secret = this.settings.telegram?.secret;
    if (!secret) throw new AppError('not_configured', 'Telegram interactivity is off: FIREBREAK_TELEGRAM_WEBHOOK_SECRET is not set', 404);
    if (!sameSecret(secretHeader, secret)) {
      notifierMetrics.chatPresses.inc({ via: 'telegram', result: 'unauthenticated' });
      this.logger.warn('Telegram update refused: X-Telegram-Bot-Api-Secret-Token missing or wrong');
      throw new AppError('unauthorized', 'X-Telegram-Bot-Api-Secret-Token is missing or wrong', 401);
    }
    const parsed = TelegramUpdateSchema.safeParse(body);
    if (!parsed.success) throw new AppError('invalid_update', 'the body is not a Telegram update', 400, describeZodError(parsed.error));
    const query = parsed.data.callback_query;
    // Messages, edits and the rest: answered 200 so Telegram does not resend them, and ignored.
    if (!query) return;
    const botToken = this.botToken(channelName);
    const button = query.data === undefined ? undefined : actionOfTelegram(query.data);
    if (!button) {
      if (botToken) void this.replies.telegram(botToken, query.id, 'This button is not one of Firebreak’s', true);
      return;
    }
    const outcome = await this.chat.press({
      via: 'telegram',
      interactionId: query.id,
      chatUserId: String(query.from.id),
      action: button.action,
      value: button.value,
    });
    // A redelivered update: its first answer may have been lost, and the client spins until one comes (answering twice is harmless).
    const reply = outcome.reply ?? (outcome.result === 'duplicate' ? 'Already received' : undefined);
    if (reply && botToken) void this.replies.telegram(botToken, query.id, reply, !['requested', 'duplicate'].includes(outcome.result));
    else if (reply) this.logger.warn({ channel: channelName }, 'no Telegram channel to answer the press through');
  }

  /** The webhook URL names the channel whose bot it was set for; the answer must come from that bot. */
  private botToken(channelName: string | undefined): string | undefined {
    const named = channelName === undefined ? undefined : this.registry.get(channelName);
    const channel = named ?? this.registry.enabled().find((candidate) => candidate.type === 'telegram');
    return channel?.config.type === 'telegram' ? channel.config.botToken : undefined;
  }
}
