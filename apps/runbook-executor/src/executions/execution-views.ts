import { approvalView } from '../approvals/approval-view';
import { ApprovalRow } from '../approvals/approvals.repository';
import { AttemptRow, ExecutionRow } from '../lifecycle/execution.types';

const iso = (value: Date | string | null | undefined) => (value ? new Date(value).toISOString() : null);
const ms = (from: Date | null, to: Date | null) => (from && to ? new Date(to).getTime() - new Date(from).getTime() : null);

export function executionSummary(row: ExecutionRow) {
  const durationMs = ms(row.started_at, row.finished_at);
  return {
    id: row.id,
    requestId: row.request_id,
    runbookId: row.runbook_id,
    title: row.definition?.title ?? null,
    runbookSource: row.runbook_source,
    runbookVersion: row.runbook_version,
    mode: row.mode,
    trigger: row.trigger,
    fingerprint: row.fingerprint,
    severity: row.severity,
    status: row.status,
    statusReason: row.status_reason,
    escalate: row.escalate,
    requestedBy: row.requested_by,
    reason: row.reason,
    createdAt: iso(row.created_at),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    durationMs,
    cancel: row.cancel_requested_at
      ? { requestedAt: iso(row.cancel_requested_at), by: row.cancel_requested_by, reason: row.cancel_reason }
      : null,
    verification: row.verify_status ? { status: row.verify_status, dueAt: iso(row.verify_due_at) } : null,
    drill:
      row.mode === 'drill'
        ? {
            targetMs: row.drill_target_ms,
            durationMs,
            metTarget: durationMs !== null && row.drill_target_ms !== null ? durationMs <= row.drill_target_ms : null,
          }
        : null,
  };
}

function attemptView(a: AttemptRow) {
  return {
    attempt: a.attempt,
    status: a.status,
    startedAt: iso(a.started_at),
    finishedAt: iso(a.finished_at),
    durationMs: ms(a.started_at, a.finished_at),
    error: a.error,
    refused: a.refused,
    outputExcerpt: a.output_excerpt,
  };
}

/** The execution with each step of its runbook (rollback steps included once they ran) and every attempt. */
export function executionDetail(row: ExecutionRow, attempts: AttemptRow[], approvals: ApprovalRow[]) {
  const forward = (row.definition?.steps ?? []).map((step) => ({ id: step.id, name: step.name ?? null, uses: step.uses, rollback: false }));
  const rollbacks = (row.definition?.steps ?? []).flatMap((step) =>
    step.rollback.map((undo) => ({ id: undo.id, name: undo.name ?? null, uses: undo.uses, rollback: true })),
  );
  const steps = [...forward, ...rollbacks]
    .map((step) => ({
      ...step,
      outcome: step.rollback ? null : (row.state?.steps?.[step.id]?.outcome ?? null),
      attempts: attempts.filter((a) => a.step_id === step.id && a.rollback === step.rollback).map(attemptView),
    }))
    .filter((step) => !step.rollback || step.attempts.length > 0);
  return {
    ...executionSummary(row),
    context: row.context,
    params: row.params,
    steps,
    approvals: approvals.map(approvalView),
  };
}

export function encodeCursor(row: ExecutionRow): string {
  return Buffer.from(`${new Date(row.created_at).toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } | undefined {
  // Only what encodeCursor writes: a strict ISO timestamp (that round-trips) and a UUID, so Postgres never sees junk.
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (parts.length !== 2) return undefined;
  const [createdAt, id] = parts;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(createdAt)) return undefined;
  const at = new Date(createdAt);
  if (Number.isNaN(at.getTime()) || at.toISOString() !== createdAt) return undefined;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  return { createdAt, id };
}
