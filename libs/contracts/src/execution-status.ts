// A runbook execution's status as the executor's API reports and filters it; the console and the CLI offer the
// same list, so it lives here once.
export const ACTIVE_EXECUTION_STATUSES = ['queued', 'running', 'waiting_approval'] as const;
export const TERMINAL_EXECUTION_STATUSES = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'needs_attention',
  'skipped',
  'rejected',
  'ineffective',
] as const;
export const EXECUTION_STATUSES = [...ACTIVE_EXECUTION_STATUSES, ...TERMINAL_EXECUTION_STATUSES] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
