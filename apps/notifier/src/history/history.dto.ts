import { z } from 'zod';
import { FingerprintSchema } from '@firebreak/contracts';

export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'folded', 'skipped'] as const;

export const ListDeliveriesQuerySchema = z.object({
  channel: z.string().min(1).max(63).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  fingerprint: FingerprintSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().min(1).max(64).optional(),
});
export type ListDeliveriesQuery = z.infer<typeof ListDeliveriesQuerySchema>;

export const DeliveryIdSchema = z.string().regex(/^[0-9a-f-]{36}$/, 'must be a delivery id (a UUID)');
