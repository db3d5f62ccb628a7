import { z } from 'zod';

/** The ids the API takes in its paths. */
export const UuidSchema = z.uuid({ error: 'the id in the path must be a UUID' });
export const RunbookIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'the runbook id in the path must be lowercase letters, digits and _');
