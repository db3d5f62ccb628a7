import { ExecutionMode, ExecutionStatus, Severity } from '@firebreak/contracts';
import { EngineState } from '../engine/engine.types';
import { Runbook } from '../definitions/runbook.schema';

export {
  ACTIVE_EXECUTION_STATUSES as ACTIVE_STATUSES,
  TERMINAL_EXECUTION_STATUSES as TERMINAL_STATUSES,
  EXECUTION_STATUSES,
  type ExecutionStatus,
} from '@firebreak/contracts';
export type Trigger = 'alert' | 'manual' | 'drill';

/** Failures that count towards a runbook's circuit breaker (a run a refusal stopped or a `fail` step ended never does: see breakerFailures). */
export const BREAKER_FAILURES = ['failed', 'timed_out', 'needs_attention', 'ineffective'] as const;

export type VerifyStatus = 'pending' | 'effective' | 'ineffective';

export interface ExecutionRow {
  id: string;
  request_id: string;
  runbook_id: string;
  definition: Runbook | null;
  /** Where the definition came from (`file` or `api`) and its version (files: 0); null for runs recorded before. */
  runbook_source: 'file' | 'api' | null;
  runbook_version: number | null;
  mode: ExecutionMode;
  trigger: Trigger;
  fingerprint: string | null;
  severity: Severity;
  concurrency_key: string | null;
  concurrency_limit: number | null;
  runbook_limit: number | null;
  context: Record<string, unknown>;
  params: Record<string, unknown>;
  requested_by: string | null;
  reason: string | null;
  status: ExecutionStatus;
  status_reason: string | null;
  escalate: boolean;
  state: EngineState;
  created_at: Date;
  not_before: Date;
  started_at: Date | null;
  finished_at: Date | null;
  lease_owner: string | null;
  lease_until: Date | null;
  claims: number;
  cancel_requested_at: Date | null;
  cancel_requested_by: string | null;
  cancel_reason: string | null;
  drill_target_ms: number | null;
  verify_due_at: Date | null;
  verify_status: VerifyStatus | null;
}

export interface ClaimedRow extends ExecutionRow {
  prev_status: ExecutionStatus;
}

export interface NewExecution {
  id: string;
  requestId: string;
  runbookId: string;
  definition: Runbook | null;
  /** The catalogue entry the definition is a snapshot of; absent when the runbook was not loaded. */
  runbookRef?: { source: 'file' | 'api'; version: number };
  mode: ExecutionMode;
  trigger: Trigger;
  fingerprint?: string;
  severity: Severity;
  concurrencyKey: string | null;
  concurrencyLimit: number | null;
  runbookLimit: number | null;
  context: Record<string, unknown>;
  params: Record<string, unknown>;
  requestedBy?: string;
  reason?: string;
  status: 'queued' | 'skipped';
  statusReason?: string;
  escalate: boolean;
  createdAt: Date;
  drillTargetMs?: number;
}

export interface AttemptRow {
  step_id: string;
  step_type: string;
  attempt: number;
  rollback: boolean;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  output_excerpt: string | null;
  error: string | null;
  refused: boolean;
}
