import { z } from 'zod';
import { parseDuration } from '@firebreak/platform';

/**
 * FIREBREAK_WRITEUP_RETENTION: a duration with its unit (`400d`, `12h`) or `off`; becomes milliseconds, or null
 * for off. Unlike the other durations a bare number is refused: `400` meant as days would be 400 ms and delete
 * every write-up at start.
 */
export const writeupRetentionEnv = z
  .string()
  .default('400d')
  .transform((value, ctx) => {
    const text = value.trim();
    if (text.toLowerCase() === 'off') return null;
    const parsed = /^\d+$/.test(text) ? undefined : parseDuration(text);
    if (parsed === undefined || !Number.isSafeInteger(parsed) || parsed <= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration with its unit such as 400d or 12h, or off (got ${JSON.stringify(value)}; a bare number has no unit)`,
      });
      return z.NEVER;
    }
    return parsed;
  });
