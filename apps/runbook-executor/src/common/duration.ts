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

/** A drill's target: at most 24h (it is kept in an integer column of milliseconds). */
export const MAX_DRILL_TARGET_MS = 86_400_000;
export const drillTargetSchema = durationSchema.pipe(
  z.number().max(MAX_DRILL_TARGET_MS, `must be at most 24h (${MAX_DRILL_TARGET_MS} ms)`).min(1, 'must be positive'),
);
