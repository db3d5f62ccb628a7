import { z } from 'zod';

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2025-10-01')
  .refine(
    (text) => !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text),
    'is not a calendar date',
  );

/** Seed 004's query: both optional, default the last 7 days. Strict: a misspelt parameter is a 400, not silently the default. */
export const complianceQuerySchema = z
  .strictObject({ date_from: day.optional(), date_to: day.optional() })
  .refine((query) => !query.date_from || !query.date_to || query.date_from <= query.date_to, {
    message: 'date_from must not be after date_to',
    path: ['date_from'],
  });
export type ComplianceQuery = z.infer<typeof complianceQuerySchema>;

export const summaryQuerySchema = z.strictObject({ days: z.coerce.number().int('must be a whole number').min(1).max(90).default(7) });

export const sloParamsSchema = z.object({ id: z.string().regex(/^[a-z0-9_-]{1,63}$/, 'must be an SLO name') });

export const sloDetailQuerySchema = z.strictObject({
  /** Points of the chart series. */
  step: z.enum(['1h', '6h', '1d']).default('1d'),
});
