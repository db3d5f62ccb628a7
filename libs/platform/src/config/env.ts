import { z } from 'zod';
import { parseDuration } from '../time/duration';

// zod's stringbool words, which the mapper took before; case does not matter.
const TRUE_WORDS = new Set(['true', '1', 'yes', 'on', 'y', 'enabled']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', 'n', 'disabled']);

/**
 * The building blocks of every service's environment schema, so one kind of variable is read the
 * same way everywhere (a flag accepts the same words in the mapper as in the executor).
 */
export const env = {
  /** true/false, 1/0, yes/no, on/off, y/n, enabled/disabled, in any case. */
  flag: (fallback: boolean) =>
    z
      .string()
      .default(String(fallback))
      .transform((value, ctx) => {
        const word = value.trim().toLowerCase();
        if (TRUE_WORDS.has(word)) return true;
        if (FALSE_WORDS.has(word)) return false;
        ctx.addIssue({ code: 'custom', message: 'must be true or false' });
        return z.NEVER;
      }),

  int: (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback),

  /** Comma-separated; blanks around entries and empty entries are dropped. */
  list: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((value) =>
        value
          .split(',')
          .map((entry) => entry.trim())
          .filter(Boolean),
      ),

  /** `500ms`, `30s`, `5m`, `1h`, `1d`, or a plain number of milliseconds; becomes milliseconds. */
  duration: (fallback: string) =>
    z
      .string()
      .default(fallback)
      .transform((value, ctx) => {
        const parsed = /^\s*\d+\s*$/.test(value) ? Number(value) : parseDuration(value);
        if (parsed === undefined || !Number.isSafeInteger(parsed) || parsed <= 0) {
          ctx.addIssue({ code: 'custom', message: 'must be a duration such as 500ms, 30s, 5m, 1h or a number of milliseconds' });
          return z.NEVER;
        }
        return parsed;
      }),
};
