import ms from 'ms';
import { z } from 'zod';
import { parseDuration } from '@firebreak/platform';

/** A duration field of a YAML file or an API body: "30s", "10m", "2h"; becomes milliseconds. */
export const durationSchema = z.string().transform((value, ctx) => {
  const parsed = parseDuration(value);
  if (parsed === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value.slice(0, 40)}" is not a duration (use e.g. 500ms, 30s, 10m, 2h)` });
    return z.NEVER;
  }
  return parsed;
});

export function formatDuration(milliseconds: number): string {
  return ms(milliseconds, { long: false });
}
