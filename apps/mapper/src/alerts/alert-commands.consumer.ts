import { Injectable } from '@nestjs/common';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { EventOf } from '@firebreak/contracts';
import { AppError, roleAllows } from '@firebreak/platform';
import { AlertActionsService } from './alert-actions.service';

/**
 * Acknowledge requests from the chat (the notifier's buttons), decided as `POST /api/v1/alerts/:fingerprint/acknowledge`
 * is. A request that cannot be carried out (role, unknown or no longer firing alert) is logged and acked:
 * retrying it can never help, and the chat learns the outcome from the announcements, as with the API.
 */
@Injectable()
export class AlertCommandsConsumer {
  constructor(private readonly actions: AlertActionsService) {}

  // People press buttons: a low rate, so the database pool stays with the alert batches and the API.
  @OnEvent('commands.alert.acknowledge', { concurrency: 2 })
  async acknowledge(event: EventOf<'commands.alert.acknowledge'>, ctx: HandlerContext): Promise<void> {
    const { fingerprint, actor, comment } = event.data;
    const who = { fingerprint, actor: actor.name, role: actor.role, via: actor.via, chatUserId: actor.chatUserId };
    // The notifier checked the role already; the bus is trusted no more than the API.
    if (!roleAllows(actor.role, 'operator')) {
      ctx.log.warn(who, 'chat acknowledgement refused: acknowledging needs the operator role');
      return;
    }
    try {
      const acked = await this.actions.acknowledge(
        fingerprint,
        { name: actor.name, via: actor.via, chatUserId: actor.chatUserId },
        comment,
        { consumer: ctx.consumer, eventId: event.id },
      );
      if (acked) ctx.log.info(who, 'alert acknowledged from the chat');
      else ctx.log.debug(who, 'chat acknowledgement already handled');
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      ctx.log.info({ ...who, code: error.code, reason: error.message }, 'chat acknowledgement changed nothing');
    }
  }
}
