import { Injectable } from '@nestjs/common';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { EventOf } from '@firebreak/contracts';
import { AppError, roleAllows } from '@firebreak/platform';
import { UuidSchema } from '../common/ids';
import { ApprovalsService } from './approvals.service';

/**
 * Approve / Reject requests from the chat (the notifier's buttons), decided as `POST /api/v1/approvals/:id/approve|reject`
 * are. A request that cannot be carried out (role, unknown, expired or already decided approval, self-approval)
 * is logged and acked: retrying it can never help, and `runbooks.approval.decided` tells the chat what happened.
 */
@Injectable()
export class ApprovalCommandsConsumer {
  constructor(private readonly approvals: ApprovalsService) {}

  // People press buttons: a low rate, so the database pool stays with the worker and the API.
  @OnEvent('commands.approval.decide', { concurrency: 2 })
  async decide(event: EventOf<'commands.approval.decide'>, ctx: HandlerContext): Promise<void> {
    const { approvalId, decision, actor, comment } = event.data;
    const who = { approvalId, decision, actor: actor.name, role: actor.role, via: actor.via, chatUserId: actor.chatUserId };
    // The notifier checked the role already; the bus is trusted no more than the API.
    if (!roleAllows(actor.role, 'operator')) {
      ctx.log.warn(who, 'chat decision refused: deciding approvals needs the operator role');
      return;
    }
    // The API takes only UUIDs in its path; anything else names no approval (and must not reach SQL as one).
    if (!UuidSchema.safeParse(approvalId).success) {
      ctx.log.info(who, 'chat decision changed nothing: no approval has this id');
      return;
    }
    try {
      const decided = await this.approvals.decide(
        approvalId,
        decision === 'approve' ? 'approved' : 'rejected',
        { name: actor.name, via: actor.via, chatUserId: actor.chatUserId },
        comment,
        { consumer: ctx.consumer, eventId: event.id },
      );
      if (decided) ctx.log.info({ ...who, executionId: decided.execution_id }, 'approval decided from the chat');
      else ctx.log.debug(who, 'chat decision already handled');
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      ctx.log.info({ ...who, code: error.code, reason: error.message }, 'chat decision changed nothing');
    }
  }
}
