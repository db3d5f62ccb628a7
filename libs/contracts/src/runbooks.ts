import { z } from 'zod';
import { FingerprintSchema } from './alerts';
import { SeveritySchema } from './severity';

const timestamp = z.iso.datetime({ offset: true });

export const ExecutionModeSchema = z.enum(['live', 'dry_run', 'drill']);
export type ExecutionMode = z.infer<typeof ExecutionModeSchema>;

/** The context the design promises a runbook built from an alert. */
export const RunbookContextSchema = z.object({
  alert_name: z.string(),
  alert_labels: z.record(z.string(), z.string()),
  alert_annotations: z.record(z.string(), z.string()),
  triggered_at: timestamp,
  severity: SeveritySchema,
  instance: z.string().nullable(),
  fingerprint: FingerprintSchema,
});
export type RunbookContext = z.infer<typeof RunbookContextSchema>;

export const RunbookRequestedSchema = z.object({
  requestId: z.string().min(1),
  runbookId: z.string().min(1),
  mode: ExecutionModeSchema,
  trigger: z.enum(['alert', 'manual', 'drill']),
  /**
   * For trigger `alert`: how the mapper chose the runbook. `annotation` means the alert's sender named it
   * (`automation_runbook`), so the executor runs it only when the runbook opts in (`selectable: annotation`).
   * Absent on requests from before this field, and on manual runs and drills.
   */
  selectedBy: z.enum(['annotation', 'runtime', 'file_alertname', 'file_rule']).optional(),
  fingerprint: FingerprintSchema.optional(),
  context: RunbookContextSchema.partial().catchall(z.unknown()),
  params: z.record(z.string(), z.unknown()).default({}),
  requestedBy: z.string().optional(),
  reason: z.string().optional(),
});
export type RunbookRequested = z.infer<typeof RunbookRequestedSchema>;

const executionRef = {
  executionId: z.string(),
  requestId: z.string(),
  runbookId: z.string(),
  mode: ExecutionModeSchema,
  fingerprint: FingerprintSchema.optional(),
};

export const ExecutionStartedSchema = z.object({ ...executionRef, startedAt: timestamp });

export const StepStatusSchema = z.enum(['running', 'succeeded', 'failed', 'skipped', 'waiting_approval', 'cancelled']);
export const ExecutionStepSchema = z.object({
  executionId: z.string(),
  runbookId: z.string(),
  stepId: z.string(),
  attempt: z.number().int().min(1),
  status: StepStatusSchema,
  startedAt: timestamp,
  finishedAt: timestamp.optional(),
  error: z.string().optional(),
  outputExcerpt: z.string().max(4096).optional(),
  rollback: z.boolean().default(false),
});

export const ExecutionSucceededSchema = z.object({
  ...executionRef,
  startedAt: timestamp,
  finishedAt: timestamp,
  durationMs: z.number().min(0),
});

export const ExecutionFailureStatusSchema = z.enum(['failed', 'timed_out', 'needs_attention', 'skipped', 'ineffective', 'rejected']);
export const ExecutionFailedSchema = z.object({
  ...executionRef,
  status: ExecutionFailureStatusSchema,
  reason: z.string(),
  startedAt: timestamp.optional(),
  finishedAt: timestamp,
  escalate: z.boolean(),
});

export const ExecutionCancelledSchema = z.object({ ...executionRef, cancelledBy: z.string(), reason: z.string(), cancelledAt: timestamp });

export const ApprovalRequestedSchema = z.object({
  approvalId: z.string(),
  executionId: z.string(),
  runbookId: z.string(),
  stepId: z.string(),
  fingerprint: FingerprintSchema.optional(),
  severity: SeveritySchema,
  summary: z.string(),
  expiresAt: timestamp,
});

export const ApprovalDecidedSchema = z.object({
  approvalId: z.string(),
  executionId: z.string(),
  decision: z.enum(['approved', 'rejected', 'expired']),
  decidedBy: z.string().optional(),
  note: z.string().optional(),
  decidedAt: timestamp,
});

export type ExecutionStarted = z.infer<typeof ExecutionStartedSchema>;
export type ExecutionStep = z.infer<typeof ExecutionStepSchema>;
export type ExecutionSucceeded = z.infer<typeof ExecutionSucceededSchema>;
export type ExecutionFailed = z.infer<typeof ExecutionFailedSchema>;
export type ExecutionCancelled = z.infer<typeof ExecutionCancelledSchema>;
export type ApprovalRequested = z.infer<typeof ApprovalRequestedSchema>;
export type ApprovalDecided = z.infer<typeof ApprovalDecidedSchema>;

/** The runbook-executor's catalogue changed: a runbook loaded from a file at start, or stored, replaced or deleted by API. */
export const RunbookCatalogChangedSchema = z.object({
  runbookId: z.string().min(1),
  action: z.enum(['upserted', 'deleted']),
  /** `file`: shipped in runbooks/; `api`: stored by PUT /api/v1/runbooks/:id (overrides a file of the same id). */
  source: z.enum(['file', 'api']),
  /** Increases with every stored change of this id (files: 0). */
  version: z.number().int().min(0),
  title: z.string().max(500).optional(),
  description: z.string().max(4000).optional(),
  severity: SeveritySchema.optional(),
  tags: z.array(z.string()).default([]),
  /** The runbook's prose (Markdown), capped. */
  prose: z.string().max(65_536).optional(),
  changedBy: z.string().optional(),
  at: timestamp,
});
export type RunbookCatalogChanged = z.infer<typeof RunbookCatalogChangedSchema>;
