import { z } from 'zod';
import { FingerprintSchema, NotifyKindSchema } from './alerts';
import { SeveritySchema } from './severity';

const timestamp = z.iso.datetime({ offset: true });

export const DetectorResultSchema = z.object({
  detectorId: z.string(),
  runId: z.string(),
  kind: z.enum(['prometheus', 'http', 'sql', 'postgres_size', 'nats_consumer_lag', 'heartbeat']),
  status: z.enum(['ok', 'failing', 'error']),
  value: z.number().nullable(),
  message: z.string(),
  startedAt: timestamp,
  durationMs: z.number().min(0),
  labels: z.record(z.string(), z.string()),
});
export type DetectorResult = z.infer<typeof DetectorResultSchema>;

const delivery = {
  deliveryId: z.string(),
  announcementId: z.string(),
  channel: z.string(),
  channelType: z.enum(['telegram', 'slack', 'pagerduty', 'webhook']),
  target: z.string(),
  fingerprint: FingerprintSchema,
  kind: NotifyKindSchema,
  severity: SeveritySchema,
  attempts: z.number().int().min(1),
};
export const NotificationDeliveredSchema = z.object({ ...delivery, deliveredAt: timestamp, latencyMs: z.number().min(0).optional() });
export const NotificationFailedSchema = z.object({ ...delivery, failedAt: timestamp, error: z.string() });
export type NotificationDelivered = z.infer<typeof NotificationDeliveredSchema>;
export type NotificationFailed = z.infer<typeof NotificationFailedSchema>;

export const SloReportSchema = z.object({
  sloId: z.string(),
  service: z.string(),
  objective: z.number().gt(0).lt(1),
  window: z.string(),
  compliance: z.number().min(0).max(1).nullable(),
  errorBudgetRemaining: z.number().nullable(),
  burnRates: z.array(z.object({ window: z.string(), rate: z.number().nullable() })),
  at: timestamp,
});
export type SloReport = z.infer<typeof SloReportSchema>;

/** What a consumer gave up on: the original message, kept whole so it can be replayed. */
export const DeadLetterSchema = z.object({
  originalSubject: z.string(),
  originalEventId: z.string().nullable(),
  consumer: z.string(),
  deliveries: z.number().int().min(0),
  reason: z.enum(['invalid', 'handler_failed', 'permanent_error']),
  error: z.string(),
  deadLetteredAt: timestamp,
  payload: z.string(),
  headers: z.record(z.string(), z.string()),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;
