import { ApprovalRow } from './approvals.repository';

const iso = (value: Date | string | null | undefined) => (value ? new Date(value).toISOString() : null);

export function approvalView(a: ApprovalRow) {
  return {
    id: a.id,
    executionId: a.execution_id,
    runbookId: a.runbook_id,
    stepId: a.step_id,
    severity: a.severity,
    summary: a.summary,
    status: a.status,
    requestedAt: iso(a.requested_at),
    expiresAt: iso(a.expires_at),
    decidedBy: a.decided_by,
    decidedAt: iso(a.decided_at),
    note: a.note,
  };
}
