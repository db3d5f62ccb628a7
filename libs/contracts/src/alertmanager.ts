import { z } from 'zod';

const labelName = z.string().min(1).max(1024);
const LabelSetSchema = z.record(labelName, z.string().max(65536));

// RFC 3339 as Go writes it (fractions up to nanoseconds, Z or an offset), four-digit year only:
// `Date.parse` alone also takes `+010000-01-01T00:00:00Z`, which no later step can represent.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Alertmanager's `"0001-01-01T00:00:00Z"` for "no end yet" and RFC 3339 timestamps. */
const amTime = z
  .string()
  .max(64)
  .refine(
    (value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)),
    'must be an RFC 3339 timestamp with a four-digit year, e.g. 2024-12-09T10:00:00Z',
  );

export const AlertmanagerAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: LabelSetSchema.refine((labels) => Object.keys(labels).length > 0, 'an alert needs at least one label'),
  annotations: LabelSetSchema.default({}),
  startsAt: amTime,
  endsAt: amTime.optional(),
  generatorURL: z.string().max(8192).default(''),
  fingerprint: z
    .string()
    .regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits')
    .optional(),
});

/** Alertmanager webhook version 4. Unknown fields are accepted: newer versions add some. */
export const AlertmanagerWebhookSchema = z.looseObject({
  version: z.literal('4'),
  groupKey: z.string().max(8192),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(1024),
  groupLabels: LabelSetSchema.default({}),
  commonLabels: LabelSetSchema.default({}),
  commonAnnotations: LabelSetSchema.default({}),
  externalURL: z.string().max(8192).default(''),
  alerts: z.array(AlertmanagerAlertSchema).min(1).max(10000),
});

export type AlertmanagerAlert = z.infer<typeof AlertmanagerAlertSchema>;
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhookSchema>;

export const ALERTMANAGER_ZERO_TIME = '0001-01-01T00:00:00Z';
