import { Injectable } from '@nestjs/common';
import { deriveEventId } from '@firebreak/contracts';
import { Transaction } from '@firebreak/bus';
import { executorMetrics } from '../common/metrics';
import { AttemptRecord, EngineState, LeaseLostError } from '../engine/engine.types';
import { truncate } from '../common/text';
import { runbookLabel } from '../definitions/metric-labels';
import { executionEvents } from './execution-events';
import type { FinalWrite } from './execution-records';
import { ExecutionRow, ExecutionStatus, VerifyStatus } from './execution.types';
import { ExecutionsRepository } from './executions.repository';

export interface FinalOutcomeInput {
  status: ExecutionStatus;
  reason: string;
  escalate: boolean;
  by?: string;
}

/** The verification window a succeeded automatic run opens; the verification feature decides it. */
export interface VerificationWindow {
  dueAt: Date;
  status: Extract<VerifyStatus, 'pending' | 'effective'>;
}

export interface Finalized {
  row: ExecutionRow;
  status: ExecutionStatus;
  escalate: boolean;
  at: Date;
}

const FAILURES: ExecutionStatus[] = ['failed', 'timed_out', 'needs_attention', 'skipped', 'ineffective', 'rejected'];

/** The one way an execution ends: status, event, escalation, verification window (when given) and metrics agree. */
@Injectable()
export class ExecutionFinalizer {
  constructor(private readonly repo: ExecutionsRepository) {}

  async finalize(
    tx: Transaction,
    row: ExecutionRow,
    outcome: FinalOutcomeInput,
    at: Date,
    verification?: VerificationWindow,
  ): Promise<Finalized> {
    const { reason, escalate } = this.decide(row, outcome);
    await this.repo.finalize(tx.manager, row.id, { status: outcome.status, reason, escalate, at, ...this.columns(verification) });
    return this.announce(tx, row, outcome, { reason, escalate, at });
  }

  /**
   * The end of a run this worker holds the lease of, written with its closing state and attempts in
   * one statement (ExecutionsRepository.finishLeased). `beforeFinish` stages what the closing write
   * announces ahead of the end (its step events), once the lease is known to be held. Throws
   * LeaseLostError, having written nothing, when another worker took the run over.
   */
  async finishLeased(
    tx: Transaction,
    row: ExecutionRow,
    workerId: string,
    outcome: Omit<FinalOutcomeInput, 'by'>,
    at: Date,
    closing: { state: EngineState | null; attempts: AttemptRecord[]; published?: readonly string[]; beforeFinish: () => void },
    verification?: VerificationWindow,
  ): Promise<Finalized> {
    const { reason, escalate } = this.decide(row, outcome);
    const final = { status: outcome.status, reason, escalate, at, ...this.columns(verification) };
    const current = await this.repo.finishLeased(tx.manager, row.id, workerId, closing, final);
    if (!current) throw new LeaseLostError(row.id);
    closing.beforeFinish();
    const by = current.cancel_requested_by ?? undefined;
    return this.announce(tx, { ...row, cancel_requested_by: current.cancel_requested_by }, { ...outcome, by }, { reason, escalate, at });
  }

  /**
   * finishLeased as one statement outside a transaction (`write`, LeasedStepWrites.finish): `write` stages
   * the step events (`steps`) and the end's in the statement, and answers whether the lease held. Not for
   * a cancelled run, whose event names the latest cancel request's author, read by the statement itself.
   */
  async finishAlone(
    row: ExecutionRow,
    outcome: Omit<FinalOutcomeInput, 'by'>,
    at: Date,
    steps: (tx: Transaction) => void,
    write: (final: FinalWrite, announce: (tx: Transaction) => void) => Promise<boolean>,
    verification?: VerificationWindow,
  ): Promise<Finalized> {
    if (outcome.status === 'cancelled') throw new Error('a cancelled run ends through finishLeased');
    const { reason, escalate } = this.decide(row, outcome);
    let finalized: Finalized | undefined;
    const written = await write({ status: outcome.status, reason, escalate, at, ...this.columns(verification) }, (tx) => {
      steps(tx);
      finalized = this.announce(tx, row, outcome, { reason, escalate, at });
    });
    if (!written || !finalized) throw new LeaseLostError(row.id);
    return finalized;
  }

  /** A failed or skipped automatic run must reach a person: the mapper escalates the alert on this flag. */
  private decide(row: ExecutionRow, outcome: Omit<FinalOutcomeInput, 'by'>): { reason: string; escalate: boolean } {
    const wanted =
      outcome.status !== 'cancelled' &&
      outcome.status !== 'succeeded' &&
      (outcome.escalate || (row.trigger === 'alert' && FAILURES.includes(outcome.status)));
    // A dry run or a drill pages nobody (as its notify steps "would notify"): a drill of a shipped probe whose
    // `fail` step fires, or a dry run with no alert, must not reach on-call or escalate a real alert.
    const escalate = wanted && row.mode === 'live';
    return { escalate, reason: wanted && !escalate ? `${outcome.reason} (${row.mode}: would escalate)` : outcome.reason };
  }

  private columns(verification?: VerificationWindow) {
    return { verifyDueAt: verification?.dueAt, verifyStatus: verification?.status };
  }

  private announce(
    tx: Transaction,
    row: ExecutionRow,
    outcome: FinalOutcomeInput,
    written: { reason: string; escalate: boolean; at: Date },
  ): Finalized {
    const { reason, escalate, at } = written;
    executionEvents.finished(tx, row, { ...outcome, reason, escalate, at });
    if (escalate && !row.fingerprint) this.stageEscalation(tx, row, outcome);
    return { row, status: outcome.status, escalate, at };
  }

  /** Metrics once the transaction committed. */
  observe(finalized: Finalized): void {
    const { row, status, at } = finalized;
    const runbook = runbookLabel(row.definition);
    const seconds = row.started_at ? Math.max(0, (at.getTime() - new Date(row.started_at).getTime()) / 1000) : 0;
    executorMetrics.executions.inc({ runbook, mode: row.mode, status });
    if (row.mode === 'live') {
      executorMetrics.remediations.inc({ runbook, result: status });
      if (row.started_at) executorMetrics.remediationDuration.observe({ runbook, result: status }, seconds);
    } else if (row.mode === 'drill' && row.started_at) {
      executorMetrics.drillDuration.observe({ runbook, met_target: String(seconds * 1000 <= (row.drill_target_ms ?? Infinity)) }, seconds);
    }
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
