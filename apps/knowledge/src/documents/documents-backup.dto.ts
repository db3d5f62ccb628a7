import { z } from 'zod';
import { createDocumentSchema } from './documents.dto';

/** A document as a backup restores it: the create body plus where it came from (people or an incident). */
export const restoreDocumentSchema = createDocumentSchema.extend({ source: z.enum(['api', 'incident']) });
export type RestoreDocument = z.infer<typeof restoreDocumentSchema>;

export const backupPageSchema = z.strictObject({
  /** The last id of the previous page (ids are ordered bytewise). */
  after: z.string().max(200).default(''),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
export type BackupPage = z.infer<typeof backupPageSchema>;
