import { Injectable } from '@nestjs/common';
import { Counter, register } from 'prom-client';
import { HandlerContext, OnEvent } from '@firebreak/bus';
import { ChatUsers, EventOf } from '@firebreak/contracts';
import { AppError, roleAllows } from '@firebreak/platform';
import { UuidSchema } from '../common/ids';
import { ApprovalExpiredError, ApprovalsService } from './approvals.service';

const refused =
  (register.getSingleMetric('firebreak_chat_commands_refused_total') as Counter | undefined) ??
  new Counter({
    name: 'firebreak_chat_commands_refused_total',
    help: 'Requests from the chat (commands.*) refused or left without effect, by command and reason.',
    labelNames: ['command', 'reason'],
  });

/** Why a decision changed nothing, as the metric counts it. */
function reasonOf(error: AppError): string {
  if (error instanceof ApprovalExpiredError) return 'expired';
  if (error.code === 'conflict') return 'already_decided';
  if (error.code === 'forbidden') return 'self_approval';
  return error.code;
}

/**
 * Approve / Reject requests from the chat (the notifier's buttons), decided as `POST /api/v1/approvals/:id/approve|reject`
 * are. The person is the one config/chat-users.yaml names for the chat user, never the name and role the
 * message carries. A request that cannot be carried out (unmapped, role, unknown, expired or already decided
 * approval, self-approval) is logged at warn, counted and acked: retrying it can never help, and
 * `runbooks.approval.decided` tells the chat what happened.
 */
@Injectable()
export class ApprovalCommandsConsumer {
  constructor(
    private readonly approvals: ApprovalsService,
    private readonly users: ChatUsers,
  ) {}

  // People press buttons: a low rate, so the database pool stays with the worker and the API.
  @OnEvent('commands.approval.decide', { concurrency: 2 })
  async decide(event: EventOf<'commands.approval.decide'>, ctx: HandlerContext): Promise<void> {
    const { approvalId, decision, actor, comment } = event.data;
    const user = this.users.find(actor.via, actor.chatUserId);
    const who = { approvalId, decision, via: actor.via, chatUserId: actor.chatUserId, actor: user?.name, role: user?.role };
    const refuse = (reason: string, message: string, extra: Record<string, unknown> = {}) => {
      refused.inc({ command: 'approval.decide', reason });
      ctx.log.warn({ ...who, reason, ...extra }, message);
    };
    // The bus is trusted no more than the API: the person and role come from chat-users.yaml, as in the notifier.
    if (!user) return refuse('unmapped', 'chat decision refused: the chat user is not in chat-users.yaml', { claimed: actor.name });
    if (!roleAllows(user.role, 'operator')) return refuse('role', 'chat decision refused: deciding approvals needs the operator role');
    // The API takes only UUIDs in its path; anything else names no approval (and must not reach SQL as one).
    if (!UuidSchema.safeParse(approvalId).success) return refuse('not_found', 'chat decision changed nothing: no approval has this id');
    try {
      const decided = await this.approvals.decide(
        approvalId,
        decision === 'approve' ? 'approved' : 'rejected',
        { name: user.name, via: actor.via, chatUserId: actor.chatUserId },
        comment,
        { consumer: ctx.consumer, eventId: event.id },
      );
      if (decided) ctx.log.info({ ...who, executionId: decided.execution_id }, 'approval decided from the chat');
      else ctx.log.debug(who, 'chat decision already handled');
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      const reason = reasonOf(error);
      if (reason === 'expired')
        return refuse(reason, 'chat decision came after the expiry: the approval is expired now', { detail: error.message });
      refuse(reason, 'chat decision changed nothing', { code: error.code, detail: error.message });
    }
  }
}
