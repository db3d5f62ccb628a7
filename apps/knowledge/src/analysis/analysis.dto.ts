import { z } from 'zod';
import { AlertmanagerWebhookSchema, FingerprintSchema } from '@firebreak/contracts';

export const fingerprintParamsSchema = z.strictObject({ fingerprint: FingerprintSchema });

/** Each alert may wait for the model: a bigger batch belongs on the bus (the ingress), not in one request. */
export const MAX_ANALYZE_ALERTS = 20;

export const analyzeBodySchema = AlertmanagerWebhookSchema.refine((body) => body.alerts.length <= MAX_ANALYZE_ALERTS, {
  message: `at most ${MAX_ANALYZE_ALERTS} alerts per request; send larger batches to the ingress`,
  path: ['alerts'],
});
