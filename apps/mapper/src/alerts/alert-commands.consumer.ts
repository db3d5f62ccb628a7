import { Injectable } from '@nestjs/common';
import { Counter, register } from 'prom-client';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { ChatUsers, EventOf } from '@firebreak/contracts';
import { AppError, roleAllows } from '@firebreak/platform';
import { AlertActionsService, StaleChatRequestError } from './alert-actions.service';

const refused =
  (register.getSingleMetric('firebreak_chat_commands_refused_total') as Counter | undefined) ??
  new Counter({
    name: 'firebreak_chat_commands_refused_total',
    help: 'Requests from the chat (commands.*) refused or left without effect, by command and reason.',
    labelNames: ['command', 'reason'],
  });

/**
 * Acknowledge requests from the chat (the notifier's buttons), decided as `POST /api/v1/alerts/:fingerprint/acknowledge`
 * is. The person is the one config/chat-users.yaml names for the chat user, never the name and role the
 * message carries. A request that cannot be carried out (unmapped, role, unknown or no longer firing alert,
 * a press on an earlier episode's message) is logged at warn, counted and acked: retrying it can never help,
 * and the chat learns the outcome from the announcements, as with the API.
 */
@Injectable()
export class AlertCommandsConsumer {
  constructor(
    private readonly actions: AlertActionsService,
    private readonly users: ChatUsers,
  ) {}

  // People press buttons: a low rate, so the database pool stays with the alert batches and the API.
  @OnEvent('commands.alert.acknowledge', { concurrency: 2 })
  async acknowledge(event: EventOf<'commands.alert.acknowledge'>, ctx: HandlerContext): Promise<void> {
    const { fingerprint, actor, comment, requestedAt, episodeStartsAt } = event.data;
    const user = this.users.find(actor.via, actor.chatUserId);
    const who = { fingerprint, via: actor.via, chatUserId: actor.chatUserId, actor: user?.name, role: user?.role };
    const refuse = (reason: string, message: string, extra: Record<string, unknown> = {}) => {
      refused.inc({ command: 'alert.acknowledge', reason });
      ctx.log.warn({ ...who, reason, ...extra }, message);
    };
    // The bus is trusted no more than the API: the person and role come from chat-users.yaml, as in the notifier.
    if (!user) return refuse('unmapped', 'chat acknowledgement refused: the chat user is not in chat-users.yaml', { claimed: actor.name });
    if (!roleAllows(user.role, 'operator')) return refuse('role', 'chat acknowledgement refused: acknowledging needs the operator role');
    try {
      const acked = await this.actions.acknowledge(
        fingerprint,
        { name: user.name, via: actor.via, chatUserId: actor.chatUserId },
        comment,
        {
          inbox: { consumer: ctx.consumer, eventId: event.id },
          requestedAt: new Date(requestedAt),
          ...(episodeStartsAt ? { episodeStartsAt: new Date(episodeStartsAt) } : {}),
        },
      );
      if (acked) ctx.log.info(who, 'alert acknowledged from the chat');
      else ctx.log.debug(who, 'chat acknowledgement already handled');
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const reason = error instanceof StaleChatRequestError ? 'stale' : error.code;
      refuse(reason, 'chat acknowledgement changed nothing', { code: error.code, detail: error.message });
    }
  }
}
