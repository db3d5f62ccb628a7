import { z } from 'zod';
import { ExecutionModeSchema, FingerprintSchema, RunbookRequestedSchema } from '@firebreak/contracts';
import { durationSchema } from '../common/duration';
import { EXECUTION_STATUSES } from './execution.types';

const context = RunbookRequestedSchema.shape.context.default({});
const params = z.record(z.string().max(100), z.unknown()).default({});

export const ExecuteBodySchema = z
  .strictObject({
    context,
    params,
    mode: z.enum(['live', 'dry_run']).default('live'),
    reason: z.string().max(1_000).optional(),
  })
  .prefault({});
export type ExecuteBody = z.infer<typeof ExecuteBodySchema>;

export const DrillBodySchema = z.strictObject({
  runbookId: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a runbook id (lowercase letters, digits and _)'),
  context,
  params,
  target: durationSchema.optional(),
  reason: z.string().max(1_000).optional(),
});
export type DrillBody = z.infer<typeof DrillBodySchema>;

export const ListExecutionsQuerySchema = z.object({
  status: z.enum(EXECUTION_STATUSES).optional(),
  runbook: z.string().max(100).optional(),
  fingerprint: FingerprintSchema.optional(),
  mode: ExecutionModeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListExecutionsQuery = z.infer<typeof ListExecutionsQuerySchema>;

export const CancelBodySchema = z.strictObject({ reason: z.string().trim().min(1, 'a reason is required').max(1_000) });
export const DecisionBodySchema = z.strictObject({ note: z.string().max(2_000).optional() }).prefault({});
export const ListApprovalsQuerySchema = z.object({
  status: z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const PauseBodySchema = z.strictObject({ reason: z.string().max(1_000).optional() }).prefault({});
export const UuidSchema = z.uuid({ error: 'the id in the path must be a UUID' });
export const RunbookIdSchema = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'the runbook id in the path must be lowercase letters, digits and _');
