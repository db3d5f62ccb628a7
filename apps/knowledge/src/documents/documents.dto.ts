import { z } from 'zod';
import { DOCUMENT_SEVERITIES, DOCUMENT_SOURCES, DOCUMENT_TYPES } from './documents.types';

const MAX_METADATA_BYTES = 16_384;

const tags = z.array(z.string().trim().min(1).max(64)).max(50).default([]);
const metadata = z
  .record(z.string().max(200), z.unknown())
  .default({})
  .refine((value) => JSON.stringify(value).length <= MAX_METADATA_BYTES, `must be at most ${MAX_METADATA_BYTES} bytes of JSON`);
/** Postgres text refuses NUL; refusing it here makes it a 400, not a 500. */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters');

/** Seed 001's create body: title, type, severity, content (Markdown), tags, metadata. */
export const createDocumentSchema = z.strictObject({
  title: text(500).pipe(z.string().trim().min(1)),
  type: z.enum(DOCUMENT_TYPES).default('static'),
  severity: z.enum(DOCUMENT_SEVERITIES).nullable().default(null),
  content: text(262_144).pipe(z.string().min(1)),
  tags,
  metadata,
});
export type CreateDocument = z.infer<typeof createDocumentSchema>;

/** A replacement; `version`, when given, must be the stored one (409 otherwise: someone else changed it). */
export const updateDocumentSchema = createDocumentSchema.extend({ version: z.number().int().min(1).optional() });
export type UpdateDocument = z.infer<typeof updateDocumentSchema>;

export const documentParamsSchema = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'must be a document id') });

export const listDocumentsSchema = z.strictObject({
  type: z.enum(DOCUMENT_TYPES).optional(),
  source: z.enum(DOCUMENT_SOURCES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type ListDocuments = z.infer<typeof listDocumentsSchema>;
