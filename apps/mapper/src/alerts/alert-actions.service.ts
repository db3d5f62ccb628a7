import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError, AuditLog, notFound } from '@firebreak/platform';
import { AlertLifecycle } from '../lifecycle/alert-lifecycle.service';
import { AlertStateRepository } from '../lifecycle/alert-state.repository';
import { OperatorAction, Refusal } from '../lifecycle/alert-machine';
import { AlertView, alertView } from './alert-view';

/** Acknowledge and resolve by a person: the lifecycle announces them and stops the escalation; here they are audited. */
@Injectable()
export class AlertActionsService {
  constructor(
    private readonly lifecycle: AlertLifecycle,
    private readonly alerts: AlertStateRepository,
    private readonly audit: AuditLog,
  ) {}

  acknowledge(fingerprint: string, actor: string, note: string | undefined): Promise<AlertView> {
    return this.act('acknowledge', fingerprint, actor, note);
  }

  resolve(fingerprint: string, actor: string, note: string | undefined): Promise<AlertView> {
    return this.act('resolve', fingerprint, actor, note);
  }

  private async act(action: OperatorAction['type'], fingerprint: string, actor: string, note: string | undefined): Promise<AlertView> {
    const next = await this.lifecycle.run(async (tx) => {
      const stored = await this.alerts.lock(tx.manager, fingerprint);
      tx.locked();
      const command: OperatorAction = {
        type: action,
        sourceId: `api:${action}:${randomUUID()}`,
        actor,
        ...(note !== undefined ? { note } : {}),
      };
      const decision = await this.lifecycle.execute(tx, stored, command);
      if (decision.refused || !stored || !decision.record) throw refusal(decision.refused ?? { code: 'not_found' }, action, fingerprint);
      await this.audit.record(
        { actor, action: `alert.${action}`, target: fingerprint, details: { from: stored.status, note: note ?? null } },
        tx.manager,
      );
      return decision.record;
    });
    return alertView(next);
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
