import { z } from 'zod';
import { SeveritySchema } from './severity';

const timestamp = z.iso.datetime({ offset: true });
export const FingerprintSchema = z.string().regex(/^[0-9a-f]{16}$/, 'must be 16 lowercase hex digits');
export const LabelsSchema = z.record(z.string().min(1), z.string());

export const AlertStatusSchema = z.enum(['firing', 'resolved']);
export const AlertSourceSchema = z.enum(['alertmanager', 'detector', 'slo', 'api']);

/** One alert as Firebreak carries it: Alertmanager's shape, normalised (no zero-time endsAt). */
export const AlertSchema = z.object({
  fingerprint: FingerprintSchema,
  status: AlertStatusSchema,
  labels: LabelsSchema,
  annotations: LabelsSchema,
  severity: SeveritySchema,
  startsAt: timestamp,
  endsAt: timestamp.nullable(),
  generatorURL: z.string(),
});
export type Alert = z.infer<typeof AlertSchema>;

export const AlertReceivedSchema = z.object({
  source: AlertSourceSchema,
  receivedAt: timestamp,
  receiver: z.string().optional(),
  groupKey: z.string().optional(),
  externalURL: z.string().optional(),
  alert: AlertSchema,
});
export type AlertReceived = z.infer<typeof AlertReceivedSchema>;

export const NotifyKindSchema = z.enum(['firing', 'repeat', 'resolved', 'acknowledged', 'escalated']);
export type NotifyKind = z.infer<typeof NotifyKindSchema>;

/** An announcement the mapper decided people must hear about; the notifier routes it. */
export const AlertNotifySchema = z.object({
  kind: NotifyKindSchema,
  alert: AlertSchema,
  /** When the ingress first received the alert event this announcement stems from (for latency). */
  receivedAt: timestamp,
  occurrences: z.number().int().min(1),
  actor: z.string().optional(),
  note: z.string().optional(),
  reason: z.string().optional(),
  runbook: z.object({ id: z.string(), executionId: z.string().optional(), outcome: z.string().optional() }).optional(),
});
export type AlertNotify = z.infer<typeof AlertNotifySchema>;

export const AlertLifecycleSchema = z.enum(['firing', 'acknowledged', 'resolved', 'silenced']);
export type AlertLifecycle = z.infer<typeof AlertLifecycleSchema>;

export const AlertStateChangedSchema = z.object({
  fingerprint: FingerprintSchema,
  alertname: z.string(),
  severity: SeveritySchema,
  from: AlertLifecycleSchema.nullable(),
  to: AlertLifecycleSchema,
  at: timestamp,
  actor: z.string().optional(),
  note: z.string().optional(),
});
export type AlertStateChanged = z.infer<typeof AlertStateChangedSchema>;
