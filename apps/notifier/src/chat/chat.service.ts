import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import {
  ApprovalDecideCommandSchema,
  AlertAcknowledgeCommandSchema,
  ChatActor,
  ChatUser,
  ChatUsers,
  ChatVia,
  deriveEventId,
} from '@firebreak/contracts';
import { Transaction, TransactionalMessaging } from '@firebreak/bus';
import { AuditLog, Clock, CLOCK, LOGGER } from '@firebreak/platform';
import { notifierMetrics } from '../metrics';
import { NotificationAction } from '../notifications/notification';
import { ChatRepository } from './chat.repository';

/** One button press, as either chat reports it. */
export interface ChatPress {
  via: ChatVia;
  /** Unique per press (Slack's trigger_id + action_ts, Telegram's callback_query id): a redelivery repeats it. */
  interactionId: string;
  chatUserId: string;
  action: NotificationAction['action'];
  value: string;
}

export interface PressOutcome {
  result: 'requested' | 'duplicate' | 'unmapped' | 'forbidden' | 'invalid' | 'decided';
  /** What to tell the person; none for a redelivered press, which was answered the first time. */
  reply?: string;
}

export const UNMAPPED_REPLY = 'You are not mapped to a Firebreak role — ask an admin to add you to config/chat-users.yaml';
const FORBIDDEN: Record<NotificationAction['action'], string> = {
  approve: 'Viewers cannot approve',
  reject: 'Viewers cannot reject',
  acknowledge: 'Viewers cannot acknowledge alerts',
};

/**
 * A press becomes a request on the bus (commands.*), after the chat user's role is checked; the executor
 * or the mapper decides it and checks the role again. The request, its audit row and the press's inbox
 * row commit together, so a redelivered press (same interaction) publishes nothing twice.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly users: ChatUsers,
    private readonly messaging: TransactionalMessaging,
    private readonly audit: AuditLog,
    private readonly repository: ChatRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async press(press: ChatPress): Promise<PressOutcome> {
    const outcome = await this.decide(press);
    notifierMetrics.chatPresses.inc({ via: press.via, result: outcome.result });
    const log = { via: press.via, chatUserId: press.chatUserId, action: press.action, value: press.value, result: outcome.result };
    if (outcome.result === 'requested' || outcome.result === 'duplicate') this.logger.info(log, 'chat press');
    else this.logger.warn(log, 'chat press refused');
    return outcome;
  }

  private async decide(press: ChatPress): Promise<PressOutcome> {
    const user = this.users.find(press.via, press.chatUserId);
    if (!user) return { result: 'unmapped', reply: UNMAPPED_REPLY };
    if (user.role === 'viewer') return { result: 'forbidden', reply: FORBIDDEN[press.action] };
    const actor: ChatActor = { name: user.name, role: user.role, via: press.via, chatUserId: press.chatUserId };
    const eventId = deriveEventId('chat', press.via, press.interactionId);
    const stage = this.stager(press, actor, eventId);
    if (!stage) return { result: 'invalid', reply: 'This button is not valid any more' };
    // Already announced as decided: asking the executor again could only be refused, so say so at once.
    const decided = press.action === 'acknowledge' ? undefined : await this.repository.approvalDecision(press.value).catch(() => undefined);
    if (decided) return { result: 'decided', reply: `This approval is already ${decided}: nothing was sent` };
    const outcome = await this.messaging.run(
      async (tx) => {
        await this.audit.record(auditEntry(press, user, eventId), tx.manager);
        stage(tx);
      },
      { consumer: `chat-${press.via}`, eventId },
    );
    if (outcome.duplicate) return { result: 'duplicate' };
    return { result: 'requested', reply: await this.confirmation(press) };
  }

  /** The request to stage, or undefined when the button's value cannot be one (a forged or stale button). */
  private stager(press: ChatPress, actor: ChatActor, eventId: string): ((tx: Transaction) => void) | undefined {
    const requestedAt = this.clock.now().toISOString();
    const comment = `from ${press.via === 'slack' ? 'Slack' : 'Telegram'}`;
    const options = { id: eventId, subject: press.value };
    if (press.action === 'acknowledge') {
      const { fingerprint, episodeStartsAt } = acknowledgeValue(press.value);
      const request = { fingerprint, ...(episodeStartsAt ? { episodeStartsAt } : {}), actor, comment, requestedAt };
      const data = AlertAcknowledgeCommandSchema.safeParse(request);
      const ackOptions = { ...options, subject: fingerprint };
      return data.success ? (tx) => void tx.stage('commands.alert.acknowledge', data.data, ackOptions) : undefined;
    }
    const data = ApprovalDecideCommandSchema.safeParse({ approvalId: press.value, decision: press.action, actor, comment, requestedAt });
    return data.success ? (tx) => void tx.stage('commands.approval.decide', data.data, options) : undefined;
  }

  /**
   * Only the request is sent: the executor or the mapper may still refuse it (expired, already decided,
   * self-approval), so the reply promises the outcome, not success; the decision's announcement follows.
   */
  private async confirmation(press: ChatPress): Promise<string> {
    if (press.action === 'acknowledge') {
      const { fingerprint } = acknowledgeValue(press.value);
      const source = await this.repository.alertSource(fingerprint).catch(() => undefined);
      return `Acknowledgement request sent for ${source ?? `alert ${fingerprint}`}; the outcome will be posted here`;
    }
    const source = await this.repository.approvalSource(press.value).catch(() => undefined);
    const what = press.action === 'approve' ? 'Approval' : 'Rejection';
    return `${what} request sent for ${source ?? `approval ${press.value}`}; the decision will be posted here`;
  }
}

/**
 * An Acknowledge button's value: `<fingerprint>:<episode startsAt, epoch seconds>`, or the bare fingerprint of a
 * button sent before the episode was carried. Anything else is left as the fingerprint, which the schema refuses.
 */
export function acknowledgeValue(value: string): { fingerprint: string; episodeStartsAt?: string } {
  const match = /^([0-9a-f]{16}):(\d{1,11})$/.exec(value);
  if (!match) return { fingerprint: value };
  return { fingerprint: match[1], episodeStartsAt: new Date(Number(match[2]) * 1000).toISOString() };
}

function auditEntry(press: ChatPress, user: ChatUser, eventId: string) {
  return {
    actor: `${user.name} via ${press.via}`,
    action: press.action === 'acknowledge' ? 'chat.alert.acknowledge' : `chat.approval.${press.action}`,
    target: press.action === 'acknowledge' ? acknowledgeValue(press.value).fingerprint : press.value,
    details: { chatUserId: press.chatUserId, role: user.role, eventId },
  };
}
