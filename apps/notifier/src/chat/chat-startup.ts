import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { ChatUsers } from '@firebreak/contracts';
import { LOGGER } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { ChannelRegistry } from '../channel-config/channel-registry';
import { ChatReplies } from './chat-replies';
import { ChatSettings } from './chat-settings';
import { CHAT_SETTINGS } from './chat.tokens';

const RETRY_MS = 30_000;

/**
 * At start, says in the log which channels have buttons, and points each Telegram bot's updates at our webhook
 * (one per bot token: a bot has one webhook). Telegram unreachable does not stop start-up: it is retried.
 */
@Injectable()
export class ChatStartup implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    @Inject(CHAT_SETTINGS) private readonly settings: ChatSettings,
    private readonly registry: ChannelRegistry,
    private readonly users: ChatUsers,
    private readonly replies: ChatReplies,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.announce();
    const telegram = this.settings.telegram;
    if (!telegram) return;
    const byToken = new Map<string, Channel>();
    for (const channel of this.registry.enabled())
      if (channel.config.type === 'telegram' && !byToken.has(channel.config.botToken)) byToken.set(channel.config.botToken, channel);
    for (const [token, channel] of byToken) {
      const url = new URL(telegram.webhookUrl);
      url.searchParams.set('channel', channel.name);
      void this.register(token, channel.name, url.toString(), telegram.secret);
    }
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.timers.forEach((timer) => clearTimeout(timer));
  }

  private async register(token: string, channel: string, url: string, secret: string): Promise<void> {
    if (this.stopped) return;
    if (await this.replies.setTelegramWebhook(token, url, secret)) {
      this.logger.info({ channel }, 'Telegram webhook set: buttons on this bot call back');
      return;
    }
    this.logger.warn({ channel, retryInMs: RETRY_MS }, 'Telegram setWebhook failed; retrying');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.register(token, channel, url, secret);
    }, RETRY_MS);
    timer.unref();
    this.timers.add(timer);
  }

  private announce(): void {
    const slack = this.settings.slack
      ? this.registry.enabled().filter((c) => c.config.type === 'slack' && c.config.botToken !== undefined)
      : [];
    const telegram = this.settings.telegram ? this.registry.enabled().filter((c) => c.type === 'telegram') : [];
    const interactive = [...slack, ...telegram].map((c) => c.name);
    if (this.settings.slack && slack.length === 0)
      this.logger.warn(
        'FIREBREAK_SLACK_SIGNING_SECRET is set but no Slack channel uses the Web API (botToken + channelId): incoming webhooks cannot carry buttons',
      );
    if (interactive.length === 0) {
      this.logger.info('chat buttons off (set FIREBREAK_SLACK_SIGNING_SECRET or FIREBREAK_TELEGRAM_WEBHOOK_URL + _SECRET to turn them on)');
      return;
    }
    this.logger.info({ channels: interactive, chatUsers: this.users.size }, 'chat buttons on: Approve / Reject / Acknowledge');
    if (this.users.size === 0) this.logger.warn('chat buttons are on but chat-users.yaml maps nobody: every press will be refused');
  }
}
