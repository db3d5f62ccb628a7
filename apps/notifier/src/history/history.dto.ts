import { z } from 'zod';
import { FingerprintSchema } from '@firebreak/contracts';

export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'folded', 'skipped'] as const;

// Strict shapes at the edge: a value Postgres would refuse (a NUL byte, a bad uuid) is a 400 naming
// the field here, never a 500 from the query.
export const ListDeliveriesQuerySchema = z.object({
  channel: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be a channel name from channels.yaml')
    .optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  fingerprint: FingerprintSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a cursor this API returned')
    .optional(),
});
export type ListDeliveriesQuery = z.infer<typeof ListDeliveriesQuerySchema>;

/** Delivery ids are UUIDs (derived, lower case); upper case is taken as the same id. */
export const DeliveryIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a delivery id (a UUID)')
  .transform((id) => id.toLowerCase());
