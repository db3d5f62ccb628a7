import { z } from 'zod';
import { apiText, runbookIdSchema } from '../core/text';

export const alertnameParamsSchema = z.object({ alertname: apiText(256).pipe(z.string().min(1, 'must not be empty')) });
export const putMappingSchema = z.object({ runbookId: runbookIdSchema }).strict();
export type PutMappingBody = z.infer<typeof putMappingSchema>;
