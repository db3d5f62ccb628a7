import { deriveEventId } from '@firebreak/contracts';
import { Transaction } from '@firebreak/bus';
import { truncate } from '../common/text';
import { AttemptRecord } from '../engine/engine.types';
import { ExecutionRow, ExecutionStatus } from './execution.types';

type Ref = Pick<ExecutionRow, 'id' | 'request_id' | 'runbook_id' | 'mode' | 'fingerprint'>;

function ref(row: Ref) {
  return {
    executionId: row.id,
    requestId: row.request_id,
    runbookId: row.runbook_id,
    mode: row.mode,
    ...(row.fingerprint ? { fingerprint: row.fingerprint } : {}),
  };
}

const opts = (id: string, row: Ref) => ({ id, subject: row.fingerprint ?? undefined });

/**
 * The runbooks.execution.* events, staged in the transaction that makes them true, with deterministic ids. Trusted:
 * built from the execution's row (a request validated when it arrived) and the engine's own attempt records.
 */
export const executionEvents = {
  started(tx: Transaction, row: Ref, startedAt: Date): void {
    tx.stageTrusted(
      'runbooks.execution.started',
      { ...ref(row), startedAt: startedAt.toISOString() },
      opts(deriveEventId('execution-started', row.id), row),
    );
  },

  step(tx: Transaction, row: Ref, a: AttemptRecord): void {
    tx.stageTrusted(
      'runbooks.execution.step',
      {
        executionId: row.id,
        runbookId: row.runbook_id,
        stepId: a.stepId,
        attempt: a.attempt,
        status: a.status,
        startedAt: a.startedAt.toISOString(),
        ...(a.finishedAt ? { finishedAt: a.finishedAt.toISOString() } : {}),
        ...(a.error ? { error: truncate(a.error, 2_000) } : {}),
        ...(a.excerpt ? { outputExcerpt: truncate(a.excerpt, 4_000) } : {}),
        rollback: a.rollback,
      },
      opts(deriveEventId('execution-step', row.id, a.stepId, a.attempt, String(a.rollback), a.status), row),
    );
  },

  finished(
    tx: Transaction,
    row: Ref & Pick<ExecutionRow, 'started_at'>,
    f: { status: ExecutionStatus; reason: string; escalate: boolean; at: Date; by?: string },
  ): void {
    const id = deriveEventId('execution-finished', row.id, f.status);
    const startedAt = row.started_at ?? f.at;
    switch (f.status) {
      case 'succeeded':
        tx.stageTrusted(
          'runbooks.execution.succeeded',
          {
            ...ref(row),
            startedAt: startedAt.toISOString(),
            finishedAt: f.at.toISOString(),
            durationMs: Math.max(0, f.at.getTime() - startedAt.getTime()),
          },
          opts(id, row),
        );
        return;
      case 'cancelled':
        tx.stageTrusted(
          'runbooks.execution.cancelled',
          { ...ref(row), cancelledBy: f.by ?? 'unknown', reason: f.reason, cancelledAt: f.at.toISOString() },
          opts(id, row),
        );
        return;
      case 'failed':
      case 'timed_out':
      case 'needs_attention':
      case 'skipped':
      case 'ineffective':
      case 'rejected':
        tx.stageTrusted(
          'runbooks.execution.failed',
          {
            ...ref(row),
            status: f.status,
            reason: truncate(f.reason, 2_000),
            ...(row.started_at ? { startedAt: row.started_at.toISOString() } : {}),
            finishedAt: f.at.toISOString(),
            escalate: f.escalate,
          },
          opts(id, row),
        );
        return;
      case 'queued':
      case 'running':
      case 'waiting_approval':
        throw new Error(`${f.status} is not a final status`);
    }
  },
};
