import { z } from 'zod';

/** Field rules shared by the alert endpoints that take alerts in Firebreak's own JSON (custom alerts, n8n). */

const MAX_LABELS = 64;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export const noControlCharacters = /^[^\p{Cc}]*$/u;

export const timestamp = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 timestamp with a zone, e.g. 2026-01-02T03:04:05Z' });

// Keys checked here rather than by a key schema, so the error names the key and says what is wrong.
export const labelSet = (what: string, maxValueLength: number) =>
  z.record(z.string(), z.string().max(maxValueLength)).superRefine((set, ctx) => {
    const names = Object.keys(set);
    if (names.length > MAX_LABELS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_LABELS} ${what}s` });
    for (const name of names) {
      if (name.length > 128 || !LABEL_NAME.test(name))
        ctx.addIssue({ code: 'custom', path: [name], message: `${what} names must match [a-zA-Z_][a-zA-Z0-9_]* (at most 128 characters)` });
    }
  });

export const httpUrl = z
  .string()
  .max(8192)
  .refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), 'must be an http(s) URL');
