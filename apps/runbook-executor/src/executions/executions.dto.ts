import { z } from 'zod';
import { ExecutionModeSchema, FingerprintSchema, RunbookRequestedSchema } from '@firebreak/contracts';
import { EXECUTION_STATUSES } from '../lifecycle/execution.types';

/** What every run a person starts carries (a drill too): the alert context and the runbook's params. */
export const manualRunInputs = {
  context: RunbookRequestedSchema.shape.context.default({}),
  params: z.record(z.string().max(100), z.unknown()).default({}),
};

export const ExecuteBodySchema = z
  .strictObject({
    ...manualRunInputs,
    mode: z.enum(['live', 'dry_run']).default('live'),
    reason: z.string().max(1_000).optional(),
  })
  .prefault({});
export type ExecuteBody = z.infer<typeof ExecuteBodySchema>;

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
