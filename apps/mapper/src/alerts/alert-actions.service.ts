import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AlertLifecycle } from '@firebreak/contracts';
import { AppError, AuditLog, notFound } from '@firebreak/platform';
import { AlertEffects } from '../lifecycle/alert-effects';
import { AlertPatch, AlertRecord } from '../lifecycle/alert-record';
import { AlertTransactions } from '../lifecycle/alert-transactions';
import { AlertsRepository } from '../lifecycle/alerts.repository';
import { AlertView, alertView } from './alert-view';

type Action = 'acknowledge' | 'resolve';

const ALLOWED_FROM: Record<Action, readonly AlertLifecycle[]> = {
  acknowledge: ['firing'],
  resolve: ['firing', 'acknowledged', 'silenced'],
};

/** Acknowledge and resolve by a person: announced, audited, and the escalation timer cancelled. */
@Injectable()
export class AlertActionsService {
  constructor(
    private readonly transactions: AlertTransactions,
    private readonly alerts: AlertsRepository,
    private readonly audit: AuditLog,
  ) {}

  acknowledge(fingerprint: string, actor: string, note: string | undefined): Promise<AlertView> {
    return this.act('acknowledge', fingerprint, actor, note);
  }

  resolve(fingerprint: string, actor: string, note: string | undefined): Promise<AlertView> {
    return this.act('resolve', fingerprint, actor, note);
  }

  private async act(action: Action, fingerprint: string, actor: string, note: string | undefined): Promise<AlertView> {
    const outcome = await this.transactions.run(async (fx) => {
      const stored = await this.alerts.lock(fx.tx.manager, fingerprint);
      fx.locked();
      if (!stored) throw notFound('alert', fingerprint);
      if (!ALLOWED_FROM[action].includes(stored.status)) {
        throw new AppError('conflict', `alert ${fingerprint} is ${stored.status}; ${action} needs it ${ALLOWED_FROM[action].join(' or ')}`, 409, { status: stored.status });
      }
      const next = await this.apply(fx, action, stored, actor, note);
      await this.audit.record({ actor, action: `alert.${action}`, target: fingerprint, details: { from: stored.status, note: note ?? null } }, fx.tx.manager);
      return next;
    });
    if (outcome.duplicate) throw new Error('an API action is never a duplicate');
    return alertView(outcome.result);
  }

  private async apply(fx: AlertEffects, action: Action, stored: AlertRecord, actor: string, note: string | undefined): Promise<AlertRecord> {
    const sourceId = `api:${action}:${randomUUID()}`;
    const now = fx.now;
    const patch: AlertPatch =
      action === 'acknowledge'
        ? { status: 'acknowledged', acknowledgedBy: actor, acknowledgedAt: now, acknowledgeNote: note ?? null }
        : {
            status: 'resolved',
            resolvedBy: actor,
            resolvedAt: now,
            resolveNote: note ?? null,
            endsAt: now,
            silenceId: null,
            // A firing of this episode arriving later is older than this resolution: it stays resolved.
            eventAt: stored.eventAt.getTime() > now.getTime() ? stored.eventAt : now,
            eventReceivedAt: now,
          };
    await this.alerts.update(fx.writes, stored.fingerprint, patch);
    const next: AlertRecord = { ...stored, ...patch, updatedAt: now };
    await fx.cancelEscalation(stored.fingerprint);
    // People hear of a resolution only for an alert they were told about (a silenced, never announced one stays quiet).
    const kind = action === 'acknowledge' ? 'acknowledged' : 'resolved';
    if (action === 'acknowledge' || stored.lastAnnouncedAt !== null) fx.announce(kind, next, sourceId, { receivedAt: now, actor, ...(note !== undefined ? { note } : {}) });
    fx.moved(next, stored.status, next.status, sourceId, { actor, ...(note !== undefined ? { note } : {}) });
    fx.history({ fingerprint: stored.fingerprint, sourceId, action: kind, from: stored.status, to: next.status, actor, note });
    return next;
  }
}
