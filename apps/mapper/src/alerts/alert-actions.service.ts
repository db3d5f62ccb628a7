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

  /** With an inbox key (a chat request), a redelivered request is `undefined` and changes nothing. */
  acknowledge(fingerprint: string, actor: Actor, note: string | undefined): Promise<AlertView>;
  acknowledge(fingerprint: string, actor: Actor, note: string | undefined, inbox: InboxKey): Promise<AlertView | undefined>;
  acknowledge(fingerprint: string, actor: Actor, note: string | undefined, inbox?: InboxKey): Promise<AlertView | undefined> {
    return this.act('acknowledge', fingerprint, actor, note, inbox);
  }

  async resolve(fingerprint: string, actor: Actor, note: string | undefined): Promise<AlertView> {
    return (await this.act('resolve', fingerprint, actor, note))!;
  }

  private async act(
    action: OperatorAction['type'],
    fingerprint: string,
    actor: Actor,
    note: string | undefined,
    inbox?: InboxKey,
  ): Promise<AlertView | undefined> {
    // A chat request's id is the event's, so what it announces keeps one id however often it is retried.
    const sourceId = inbox ? `chat:${action}:${inbox.eventId}` : `api:${action}:${randomUUID()}`;
    const work = async (tx: AlertTransaction) => {
      const stored = await this.alerts.lock(tx.manager, fingerprint);
      tx.locked();
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
