import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InboxKey } from '@firebreak/bus';
import { ChatActor } from '@firebreak/contracts';
import { AppError, AuditLog, notFound } from '@firebreak/platform';
import { AlertLifecycle } from '../lifecycle/alert-lifecycle.service';
import { AlertStateRepository } from '../lifecycle/alert-state.repository';
import { AlertTransaction } from '../lifecycle/alert-transaction';
import { OperatorAction, Refusal } from '../lifecycle/alert-machine';
import { AlertView, alertView } from './alert-view';

/** Who acts: an API token's name, or a chat user (the chat and its user id are audited too). */
export interface Actor {
  name: string;
  via?: ChatActor['via'];
  chatUserId?: string;
}

/** A chat request: its inbox key (a redelivery changes nothing), when the person pressed and on which episode's message. */
export interface ChatRequest {
  inbox: InboxKey;
  requestedAt: Date;
  episodeStartsAt?: Date;
}

/** The button was on a message of an earlier episode, or pressed before the current one started. */
function isStale(chat: ChatRequest, startsAt: Date): boolean {
  // The button names its episode (in whole seconds): that is the test. Comparing the press time with startsAt
  // would refuse a fresh press whenever the sender's clock runs ahead of ours; it is only the fallback for
  // buttons that carry the fingerprint alone.
  if (chat.episodeStartsAt !== undefined)
    return Math.floor(startsAt.getTime() / 1000) !== Math.floor(chat.episodeStartsAt.getTime() / 1000);
  return chat.requestedAt.getTime() < startsAt.getTime();
}

/**
 * Acknowledge and resolve by a person, through the API or a chat request on the bus: the lifecycle
 * announces them and stops the escalation; here they are audited.
 */
@Injectable()
export class AlertActionsService {
  constructor(
    private readonly lifecycle: AlertLifecycle,
    private readonly alerts: AlertStateRepository,
    private readonly audit: AuditLog,
  ) {}

  /**
   * From a chat request, a redelivered request is `undefined` and changes nothing, and a press made before
   * the current episode started (a button on an older episode's message) is refused as stale.
   */
  acknowledge(fingerprint: string, actor: Actor, note: string | undefined): Promise<AlertView>;
  acknowledge(fingerprint: string, actor: Actor, note: string | undefined, chat: ChatRequest): Promise<AlertView | undefined>;
  acknowledge(fingerprint: string, actor: Actor, note: string | undefined, chat?: ChatRequest): Promise<AlertView | undefined> {
    return this.act('acknowledge', fingerprint, actor, note, chat);
  }

  async resolve(fingerprint: string, actor: Actor, note: string | undefined): Promise<AlertView> {
    return (await this.act('resolve', fingerprint, actor, note))!;
  }

  private async act(
    action: OperatorAction['type'],
    fingerprint: string,
    actor: Actor,
    note: string | undefined,
    chat?: ChatRequest,
  ): Promise<AlertView | undefined> {
    const inbox = chat?.inbox;
    // A chat request's id is the event's, so what it announces keeps one id however often it is retried.
    const sourceId = inbox ? `chat:${action}:${inbox.eventId}` : `api:${action}:${randomUUID()}`;
    const work = async (tx: AlertTransaction) => {
      const stored = await this.alerts.lock(tx.manager, fingerprint);
      tx.locked();
      // Checked under the lock: the episode cannot change between this check and the acknowledgement.
      if (chat && stored && isStale(chat, stored.startsAt)) throw new StaleChatRequestError(fingerprint, stored.startsAt);
      const command: OperatorAction = { type: action, sourceId, actor: actor.name, ...(note !== undefined ? { note } : {}) };
      const decision = await this.lifecycle.execute(tx, stored, command);
      if (decision.refused || !stored || !decision.record) throw refusal(decision.refused ?? { code: 'not_found' }, action, fingerprint);
      const via = actor.via ? { via: actor.via, chatUserId: actor.chatUserId } : {};
      await this.audit.record(
        { actor: actor.name, action: `alert.${action}`, target: fingerprint, details: { from: stored.status, note: note ?? null, ...via } },
        tx.manager,
      );
      return decision.record;
    };
    if (!inbox) return alertView(await this.lifecycle.run(work));
    const outcome = await this.lifecycle.run(work, inbox);
    return outcome.duplicate ? undefined : alertView(outcome.result);
  }
}

/** A chat press on a message of an earlier episode of the alert: it must not acknowledge the episode firing now. */
export class StaleChatRequestError extends AppError {
  constructor(fingerprint: string, startsAt: Date) {
    super(
      'conflict',
      `the request was made on an earlier episode of alert ${fingerprint} (the current one started ${startsAt.toISOString()})`,
      409,
      {
        reason: 'stale',
      },
    );
  }
}

function refusal(refused: Refusal, action: OperatorAction['type'], fingerprint: string): AppError {
  switch (refused.code) {
    case 'not_found':
      return notFound('alert', fingerprint);
    case 'conflict':
      return new AppError(
        'conflict',
        `alert ${fingerprint} is ${refused.status}; ${action} needs it ${refused.allowed.join(' or ')}`,
        409,
        { status: refused.status },
      );
  }
}
