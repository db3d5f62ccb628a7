import { z } from 'zod';
import { drillTargetSchema } from '../common/duration';
import { manualRunInputs } from '../executions/executions.dto';

export const DrillBodySchema = z.strictObject({
  runbookId: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a runbook id (lowercase letters, digits and _)'),
  ...manualRunInputs,
  target: drillTargetSchema.optional(),
  reason: z.string().max(1_000).optional(),
});
export type DrillBody = z.infer<typeof DrillBodySchema>;

export const ListDrillsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
