import ms from 'ms';
import { z } from 'zod';

/** Parses "5s", "10m", "1h", "250ms"; anything else (or zero) is undefined. */
export function parseDuration(value: string): number | undefined {
  if (!/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)\s*$/i.test(value)) return undefined;
  const parsed = ms(value.trim() as ms.StringValue);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
}

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
