import { z } from 'zod';
import { AlertLifecycleSchema, FingerprintSchema, SeveritySchema } from '@firebreak/contracts';
import { apiText } from '../core/text';

export const fingerprintParamsSchema = z.object({ fingerprint: FingerprintSchema });

export const actionBodySchema = z.preprocess((value) => value ?? {}, z.object({ note: apiText(4000).optional() }).strict());
export type ActionBody = z.infer<typeof actionBodySchema>;

export interface Cursor {
  firstSeen: string;
  fingerprint: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.firstSeen, cursor.fingerprint])).toString('base64url');
}

/**
 * The instant as `toISOString()` writes it, years 1970-9999: what `encodeCursor` produces, and
 * nothing Postgres could refuse (`Date.parse` also takes "1" or "+275760-09-13", which fail as SQL: 500).
 */
function isCursorInstant(value: unknown): value is string {
  if (typeof value !== 'string' || !/^(19[7-9]\d|[2-9]\d{3})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(value)) return false;
  const parsed = new Date(value);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString() === value;
}

const CURSOR_MAX = 256;

const cursorSchema = z.string().transform((text, ctx): Cursor => {
  try {
    if (text.length <= CURSOR_MAX && /^[A-Za-z0-9_-]+$/.test(text)) {
      const decoded: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
      if (Array.isArray(decoded) && decoded.length === 2) {
        const [firstSeen, fingerprint] = decoded as unknown[];
        if (isCursorInstant(firstSeen) && FingerprintSchema.safeParse(fingerprint).success)
          return { firstSeen, fingerprint: fingerprint as string };
      }
    }
  } catch {
    // Not base64 JSON: reported below like any other bad cursor.
  }
  ctx.addIssue({ code: 'custom', message: 'is not a cursor this API gave out (use nextCursor from the previous page)' });
  return z.NEVER;
});

const labelFilterSchema = apiText(2048).transform((text, ctx): Record<string, string> => {
  const at = text.indexOf('=');
  if (at <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be name=value' });
    return z.NEVER;
  }
  return { [text.slice(0, at)]: text.slice(at + 1) };
});

// A repeated query parameter arrives as an array, a single one as a string.
const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (value) => (value === undefined || Array.isArray(value) ? value : [value]),
    z.array(item).max(20, 'at most 20 label filters'),
  );

export const listAlertsSchema = z.object({
  status: z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()))
    .pipe(z.array(AlertLifecycleSchema))
    .optional(),
  severity: SeveritySchema.optional(),
  alertname: apiText(256).optional(),
  label: oneOrMany(labelFilterSchema).optional(),
  limit: z.coerce.number().int().min(1, 'must be 1 to 500').max(500, 'must be 1 to 500').default(50),
  cursor: cursorSchema.optional(),
});
export type ListAlertsQuery = z.infer<typeof listAlertsSchema>;
