import { Injectable } from '@nestjs/common';
import { CloudEvent, ExecutionFailed, ExecutionSucceeded } from '@firebreak/contracts';
import { mapperMetrics } from '../core/metrics';
import { AlertEffects } from '../lifecycle/alert-effects';
import { AlertRecord } from '../lifecycle/alert-record';
import { AlertTransactions } from '../lifecycle/alert-transactions';
import { AlertsRepository } from '../lifecycle/alerts.repository';
import { RunbookRequestsRepository } from '../lifecycle/runbook-requests.repository';

interface Outcome {
  requestId: string;
  executionId: string;
  runbookId: string;
  fingerprint?: string;
  status: string;
  reason?: string;
  escalate: boolean;
}

const MAX_REASON = 2000;

/** Records how the runbooks the mapper requested ended; a failure that asks for it escalates the alert. */
@Injectable()
export class RunbookOutcomesService {
  constructor(
    private readonly transactions: AlertTransactions,
    private readonly alerts: AlertsRepository,
    private readonly requests: RunbookRequestsRepository,
  ) {}

  async failed(event: CloudEvent<ExecutionFailed>): Promise<void> {
    const { data } = event;
    const outcome: Outcome = { ...data, reason: data.reason.slice(0, MAX_REASON) };
    await this.transactions.run((fx) => this.record(fx, event.id, outcome), { consumer: 'mapper-runbooks-execution-failed', eventId: event.id });
  }

  async succeeded(event: CloudEvent<ExecutionSucceeded>): Promise<void> {
    const outcome: Outcome = { ...event.data, status: 'succeeded', escalate: false };
    await this.transactions.run((fx) => this.record(fx, event.id, outcome), { consumer: 'mapper-runbooks-execution-succeeded', eventId: event.id });
  }

  private async record(fx: AlertEffects, sourceId: string, outcome: Outcome): Promise<void> {
    await this.requests.recordOutcome(fx.writes, outcome.requestId, { status: outcome.status, reason: outcome.reason, executionId: outcome.executionId, at: fx.now });
    if (!outcome.fingerprint) return;
    const alert = await this.alerts.lock(fx.tx.manager, outcome.fingerprint);
    fx.locked();
    if (!alert) return;
    // A resolved alert is closed; its failed runbook is recorded, not escalated.
    const escalate = outcome.escalate && alert.status !== 'resolved';
    const runbook =
      alert.runbook?.requestId === outcome.requestId
        ? { ...alert.runbook, status: outcome.status, executionId: outcome.executionId, ...(outcome.reason ? { reason: outcome.reason } : {}), at: fx.now.toISOString() }
        : alert.runbook;
    const next: AlertRecord = { ...alert, runbook, ...(escalate ? { escalatedAt: fx.now } : {}) };
    await this.alerts.update(fx.writes, alert.fingerprint, { runbook, ...(escalate ? { escalatedAt: fx.now } : {}) });
    const action = outcome.status === 'succeeded' ? 'runbook_succeeded' : 'runbook_failed';
    const { fingerprint: _fingerprint, ...details } = outcome;
    fx.history({ fingerprint: alert.fingerprint, sourceId, action, from: alert.status, to: alert.status, details: { ...details, escalated: escalate } });
    if (!escalate) return;
    const reason = `runbook ${outcome.runbookId} ${outcome.status}: ${outcome.reason ?? ''}`.trim();
    fx.announce('escalated', next, sourceId, { receivedAt: fx.now, reason, runbook: { id: outcome.runbookId, executionId: outcome.executionId, outcome: outcome.status } });
    await fx.cancelEscalation(alert.fingerprint);
    fx.count(() => mapperMetrics.escalated.inc({ reason: 'runbook_failed' }));
  }
}
