import { z } from 'zod';

export const DecisionBodySchema = z.strictObject({ note: z.string().max(2_000).optional() }).prefault({});
export const ListApprovalsQuerySchema = z.object({
  status: z.enum(['pending', 'approved', 'rejected', 'expired', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
