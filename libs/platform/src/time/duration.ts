import ms from 'ms';

/** Parses "250ms", "5s", "10m", "1h", "2d" into milliseconds; anything else (or zero) is undefined. */
export function parseDuration(value: string): number | undefined {
  if (!/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)\s*$/i.test(value)) return undefined;
  const parsed = ms(value.trim() as ms.StringValue);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
}
