import { z } from 'zod';
import { DOCUMENT_SEVERITIES, DOCUMENT_TYPES } from '../documents/documents.types';

/** Seed 001's query. Hostile text is fine (websearch_to_tsquery accepts anything); size and NUL are refused as 400. */
export const searchQuerySchema = z.strictObject({
  q: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(500)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters'),
  type: z.enum(DOCUMENT_TYPES).optional(),
  severity: z.enum(DOCUMENT_SEVERITIES).optional(),
  /** Comma-separated; a document must carry every one. */
  tags: z
    .string()
    .max(500)
    .transform((value) =>
      value
        .split(',')
        .map((tag) => tag.trim())
        .filter(Boolean),
    )
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(10),
});
export type SearchQuery = z.infer<typeof searchQuerySchema>;
