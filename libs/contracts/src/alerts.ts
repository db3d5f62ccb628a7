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

/**
 * One alert of an `alerts.received.batch`: the id its own `alerts.received` event would carry (the
 * ingress derives it from the alert, so a consumer's per-alert inbox dedups it as it would that event)
 * and its data.
 */
export const BatchedAlertSchema = z.object({
  id: z.string().min(1),
  data: AlertReceivedSchema,
});
export type BatchedAlert = z.infer<typeof BatchedAlertSchema>;

/** The alerts of one request to the ingress (or of one chunk of it that fits a NATS message), in the order sent. */
export const AlertsReceivedBatchSchema = z.object({
  alerts: z.array(BatchedAlertSchema).min(1),
});
export type AlertsReceivedBatch = z.infer<typeof AlertsReceivedBatchSchema>;

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

/** What the knowledge service found about a newly firing alert (from its knowledge base, optionally an LLM's reading of it). */
export const AlertAnalysisSchema = z.object({
  fingerprint: FingerprintSchema,
  alertname: z.string(),
  severity: SeveritySchema,
  /** The episode analysed (the alert's startsAt). */
  startsAt: timestamp,
  /** `knowledge`: built from the knowledge base alone; `llm`: a model's answer, validated. */
  engine: z.enum(['knowledge', 'llm']),
  /** Why the LLM's answer was not used (timeout, invalid JSON, circuit open...), when it was asked and failed. */
  fallbackReason: z.string().max(500).optional(),
  summary: z.string().max(4000),
  probableCauses: z.array(z.object({ cause: z.string().max(1000), evidence: z.string().max(2000) })).max(10),
  mitigations: z.array(z.string().max(1000)).max(10),
  /** Diagnostic PromQL built from the alert's labels, every label value escaped. */
  queries: z.array(z.object({ description: z.string().max(500), promql: z.string().max(2000) })).max(10),
  similarIncidents: z
    .array(
      z.object({
        fingerprint: FingerprintSchema.optional(),
        title: z.string().max(500),
        resolvedAt: timestamp.optional(),
        runbookId: z.string().optional(),
        outcome: z.string().optional(),
      }),
    )
    .max(10),
  /** Only runbooks of the catalogue, with the evidence behind their rank. */
  recommendedRunbooks: z
    .array(
      z.object({
        runbookId: z.string(),
        title: z.string().optional(),
        successRate: z.number().min(0).max(1).nullable(),
        runs: z.number().int().min(0),
        fixed: z.number().int().min(0),
        score: z.number(),
      }),
    )
    .max(10),
  analyzedAt: timestamp,
  durationMs: z.number().min(0),
});
export type AlertAnalysis = z.infer<typeof AlertAnalysisSchema>;
