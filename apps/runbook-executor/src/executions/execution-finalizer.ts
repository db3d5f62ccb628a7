import { Injectable } from '@nestjs/common';
import { deriveEventId } from '@firebreak/contracts';
import { Transaction } from '@firebreak/bus';
import { executorMetrics } from '../common/metrics';
import { truncate } from '../common/sql-rows';
import { AlertStatesRepository } from '../verification/alert-states.repository';
import { executionEvents } from './execution-events';
import { ExecutionRow, ExecutionStatus } from './execution.types';
import { ExecutionsRepository } from './executions.repository';

export interface FinalOutcomeInput {
  status: ExecutionStatus;
  reason: string;
  escalate: boolean;
  by?: string;
}

export interface Finalized {
  row: ExecutionRow;
  status: ExecutionStatus;
  escalate: boolean;
  at: Date;
}

const FAILURES: ExecutionStatus[] = ['failed', 'timed_out', 'needs_attention', 'skipped', 'ineffective', 'rejected'];

/** The one way an execution ends: status, event, escalation, verification window and metrics agree. */
@Injectable()
export class ExecutionFinalizer {
  constructor(
    private readonly repo: ExecutionsRepository,
    private readonly alertStates: AlertStatesRepository,
  ) {}

  async finalize(tx: Transaction, row: ExecutionRow, outcome: FinalOutcomeInput, at: Date): Promise<Finalized> {
    // A failed or skipped automatic run must reach a person: the mapper escalates the alert on this flag.
    const escalate = outcome.status !== 'cancelled' && outcome.status !== 'succeeded' && (outcome.escalate || (row.trigger === 'alert' && FAILURES.includes(outcome.status)));
    const verify = await this.verification(tx, row, outcome.status, at);
    await this.repo.finalize(tx.manager, row.id, { status: outcome.status, reason: outcome.reason, escalate, at, ...verify });
    executionEvents.finished(tx, row, { ...outcome, escalate, at });
    if (escalate && !row.fingerprint) this.stageEscalation(tx, row, outcome);
    return { row, status: outcome.status, escalate, at };
  }

  /** Metrics once the transaction committed. */
  observe(finalized: Finalized): void {
    const { row, status, at } = finalized;
    const seconds = row.started_at ? Math.max(0, (at.getTime() - new Date(row.started_at).getTime()) / 1000) : 0;
    executorMetrics.executions.inc({ runbook: row.runbook_id, mode: row.mode, status });
    if (row.mode === 'live') {
      executorMetrics.remediations.inc({ runbook: row.runbook_id, result: status });
      if (row.started_at) executorMetrics.remediationDuration.observe({ runbook: row.runbook_id, result: status }, seconds);
    } else if (row.mode === 'drill' && row.started_at) {
      executorMetrics.drillDuration.observe({ runbook: row.runbook_id, met_target: String(seconds * 1000 <= (row.drill_target_ms ?? Infinity)) }, seconds);
    }
  }

  private async verification(tx: Transaction, row: ExecutionRow, status: ExecutionStatus, at: Date): Promise<{ verifyDueAt?: Date; verifyStatus?: string }> {
    const window = row.definition?.verify?.resolvedWithin;
    if (status !== 'succeeded' || !window || row.trigger !== 'alert' || row.mode !== 'live' || !row.fingerprint) return {};
    const resolved = await this.alertStates.resolvedSince(tx.manager, row.fingerprint, row.created_at);
    return { verifyDueAt: new Date(at.getTime() + window), verifyStatus: resolved ? 'effective' : 'pending' };
  }

  /** Without an alert there is nothing for the mapper to escalate: tell the runbook's severity channels directly. */
  private stageEscalation(tx: Transaction, row: ExecutionRow, outcome: FinalOutcomeInput): void {
    const requestId = deriveEventId('execution-escalation', row.id, outcome.status);
    tx.stage(
      'notifications.requested',
      {
        requestId,
        channels: [],
        severity: row.severity,
        title: truncate(`Runbook ${row.definition?.title ?? row.runbook_id}: ${outcome.status.replace('_', ' ')}`, 500),
        text: truncate(`Execution ${row.id} (${row.mode}, ${row.trigger}) ended ${outcome.status}: ${outcome.reason}`, 10_000),
        labels: { runbook: row.runbook_id, execution: row.id },
        executionId: row.id,
        runbookId: row.runbook_id,
      },
      { id: requestId },
    );
  }
}
