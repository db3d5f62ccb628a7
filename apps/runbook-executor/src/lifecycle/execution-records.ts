import { ExecutionStatus, NewExecution, VerifyStatus } from './execution.types';

// The shapes ExecutionsRepository reads and writes, apart from its statements.

/** One row of the gate's reads: kind `switch` (n 1 when paused), `breaker` (per runbook) or `loop` (per runbook and key). */
export interface GateRead {
  kind: 'switch' | 'breaker' | 'loop';
  runbook_id: string | null;
  key: string | null;
  n: number;
  changed_by: string | null;
  reason: string | null;
}

/** A new execution encoded before its transaction (executionJson), and the gate's decision made in it. */
export interface EncodedExecution {
  json: string;
  status: NewExecution['status'];
  statusReason?: string;
  escalate: boolean;
}

/** A new execution's columns as one JSON object, the form insertMany sends. */
export function executionJson(e: Omit<NewExecution, 'status' | 'statusReason' | 'escalate'>): string {
  return JSON.stringify({
    id: e.id,
    request_id: e.requestId,
    runbook_id: e.runbookId,
    definition: e.definition,
    mode: e.mode,
    trigger: e.trigger,
    fingerprint: e.fingerprint ?? null,
    severity: e.severity,
    concurrency_key: e.concurrencyKey,
    concurrency_limit: e.concurrencyLimit,
    runbook_limit: e.runbookLimit,
    context: e.context,
    params: e.params,
    requested_by: e.requestedBy ?? null,
    reason: e.reason ?? null,
    created_at: e.createdAt,
    drill_target_ms: e.drillTargetMs ?? null,
    runbook_source: e.runbookRef?.source ?? null,
    runbook_version: e.runbookRef?.version ?? null,
  });
}

/** The columns an execution's end writes. */
export interface FinalWrite {
  status: ExecutionStatus;
  reason: string;
  escalate: boolean;
  at: Date;
  verifyDueAt?: Date;
  verifyStatus?: VerifyStatus;
}

export interface ExecutionFilter {
  status?: ExecutionStatus;
  runbook?: string;
  fingerprint?: string;
  mode?: string;
  limit: number;
  before?: { createdAt: string; id: string };
}
