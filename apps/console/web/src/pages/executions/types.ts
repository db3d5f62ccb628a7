// Shapes of the runbook-executor's API (apps/runbook-executor/src/executions/execution-views.ts,
// approvals/approval-view.ts, runbooks/runbook-views.ts), as far as these pages read them.
import { ACTIVE_EXECUTION_STATUSES } from '@firebreak/contracts';

export interface Approval {
  id: string;
  executionId: string;
  runbookId: string;
  stepId: string;
  severity: string;
  summary: string;
  status: string;
  requestedAt: string | null;
  expiresAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
}

export interface ExecutionSummary {
  id: string;
  runbookId: string;
  title: string | null;
  mode: string;
  trigger: string;
  fingerprint: string | null;
  severity: string;
  status: string;
  statusReason: string | null;
  escalate: boolean;
  requestedBy: string | null;
  reason: string | null;
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  cancel: { requestedAt: string | null; by: string | null; reason: string | null } | null;
  verification: { status: string; dueAt: string | null } | null;
}

export interface Attempt {
  attempt: number;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
  refused: boolean;
  outputExcerpt: string | null;
}

export interface ExecutionStep {
  id: string;
  name: string | null;
  uses: string;
  rollback: boolean;
  outcome: string | null;
  attempts: Attempt[];
}

export interface ExecutionDetail extends ExecutionSummary {
  context: Record<string, unknown>;
  params: Record<string, unknown>;
  steps: ExecutionStep[];
  approvals: Approval[];
}

export interface ExecutionPage {
  items: ExecutionSummary[];
  nextCursor: string | null;
}

export { EXECUTION_STATUSES } from '@firebreak/contracts';
export const ACTIVE: readonly string[] = ACTIVE_EXECUTION_STATUSES;

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const [big, small, bigUnit, smallUnit] =
    ms < 3_600_000
      ? [Math.floor(ms / 60_000), Math.round((ms % 60_000) / 1000), 'm', 's']
      : [Math.floor(ms / 3_600_000), Math.round((ms % 3_600_000) / 60_000), 'h', 'm'];
  return small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
}
