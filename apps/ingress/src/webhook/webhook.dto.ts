import { z } from 'zod';
import { AlertmanagerWebhookSchema } from '@firebreak/contracts';

export { AlertmanagerWebhookSchema };

/** The webhook body for /docs, from the same schema that validates it. */
export const alertmanagerWebhookOpenApi = z.toJSONSchema(AlertmanagerWebhookSchema, {
  target: 'openapi-3.0',
  unrepresentable: 'any',
  io: 'input',
}) as Record<string, unknown>;
