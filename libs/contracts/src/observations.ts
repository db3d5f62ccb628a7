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
  /** The id of the alerts.notify or notifications.requested event this delivery serves. */
  announcementId: z.string(),
  channel: z.string(),
  channelType: z.enum(['telegram', 'slack', 'pagerduty', 'webhook']),
  target: z.string(),
  fingerprint: FingerprintSchema.optional(),
  kind: z.union([NotifyKindSchema, z.literal('message'), z.literal('test')]),
  severity: SeveritySchema,
  attempts: z.number().int().min(1),
};
export const NotificationDeliveredSchema = z.object({ ...delivery, deliveredAt: timestamp, latencyMs: z.number().min(0).optional() });
export const NotificationFailedSchema = z.object({ ...delivery, failedAt: timestamp, error: z.string() });
/** A message a runbook step (or another service) asks the notifier to send, outside an alert's announcements. */
export const NotificationRequestedSchema = z.object({
  requestId: z.string().min(1),
  /** Channel names from channels.yaml; empty means the routes that match the severity and labels. */
  channels: z.array(z.string()).default([]),
  severity: SeveritySchema,
  title: z.string().max(500),
  text: z.string().max(10_000),
  labels: z.record(z.string(), z.string()).default({}),
  fingerprint: FingerprintSchema.optional(),
  executionId: z.string().optional(),
  runbookId: z.string().optional(),
});
export type NotificationRequested = z.infer<typeof NotificationRequestedSchema>;
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

export const SloBudgetStateSchema = z.enum(['ok', 'burning', 'exhausted', 'no_data']);
/** An SLO crossed into or out of burning or exhausted: what the runbook-executor keeps for SLO-aware conditions. */
export const SloBudgetChangedSchema = z.object({
  sloId: z.string(),
  service: z.string(),
  state: SloBudgetStateSchema,
  previousState: SloBudgetStateSchema.nullable(),
  /** The fastest burn-rate tier firing (e.g. `page`, `ticket`), null when none. */
  tier: z.string().nullable(),
  errorBudgetRemaining: z.number().nullable(),
  at: timestamp,
});
export type SloBudgetChanged = z.infer<typeof SloBudgetChangedSchema>;

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
