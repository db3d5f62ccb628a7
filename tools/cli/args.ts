import { InvalidArgumentError } from 'commander';
import ms from 'ms';
import { Matcher, MatcherError, parseMatchers } from '@firebreak/contracts';
import { CliError } from './errors';

/**
 * Matchers as amtool takes them: each argument one matcher or a `{…}` set; a bare first word (no operator) is
 * the alertname, so `firebreak alert query HighLatency` works as `amtool alert query HighLatency` does.
 */
export function parseMatcherArgs(args: readonly string[]): Matcher[] {
  try {
    return args.flatMap((arg, index) =>
      index === 0 && /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(arg) ? parseMatchers(`alertname="${arg}"`) : parseMatchers(arg),
    );
  } catch (error) {
    if (error instanceof MatcherError) throw new CliError(error.message);
    throw error;
  }
}

/** The mapper refuses more `label=` filters than this in one listing request. */
export const MAX_LABEL_FILTERS = 20;

/** The query the mapper's alert listing can do itself: `alertname=` and label `=` filters. */
export interface ServerFilters {
  alertname?: string;
  labels: Array<[string, string]>;
}

/**
 * Splits matchers into what the mapper filters (equality, sent as `alertname` and `label=name=value`) and what
 * the CLI applies to each alert (`!=`, `=~`, `!~`, and an `=` to the empty string, which also matches a missing
 * label). All matchers are still applied client-side: the server's filters only narrow the pages fetched, so
 * equality matchers past the mapper's MAX_LABEL_FILTERS are simply left to the client.
 */
export function serverFilters(matchers: readonly Matcher[]): ServerFilters {
  const filters: ServerFilters = { labels: [] };
  for (const matcher of matchers) {
    if (matcher.type !== '=' || matcher.value === '') continue;
    if (matcher.name === 'alertname' && filters.alertname === undefined) filters.alertname = matcher.value;
    else if (filters.labels.length < MAX_LABEL_FILTERS) filters.labels.push([matcher.name, matcher.value]);
  }
  return filters;
}

/** `k=v` pairs (split at the first `=`) into an object; a dotted key `a.b=v` sets a nested field. */
export function parseKeyValues(pairs: readonly string[], what: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`${what} "${pair}" must be key=value`);
    const path = pair.slice(0, at).split('.');
    if (path.some((part) => part === '')) throw new CliError(`${what} "${pair}" has an empty key`);
    let target = result;
    for (const part of path.slice(0, -1)) {
      const next = target[part];
      if (next !== undefined && (typeof next !== 'object' || next === null))
        throw new CliError(`${what} "${pair}": ${part} is already a value`);
      target = (target[part] ??= {}) as Record<string, unknown>;
    }
    target[path[path.length - 1]] = pair.slice(at + 1);
  }
  return result;
}

/** A duration as amtool writes it (`1h`, `30m`, `2d`, `1h30m`) in milliseconds. */
export function parseDuration(text: string): number {
  const parts = text.trim().match(/\d+(?:\.\d+)?\s*[a-z]+/gi);
  const total =
    parts && parts.join('').replace(/\s+/g, '') === text.replace(/\s+/g, '')
      ? parts.reduce((sum, part) => sum + (ms(part as ms.StringValue) ?? NaN), 0)
      : NaN;
  if (!Number.isFinite(total) || total <= 0) throw new CliError(`duration "${text}" is not a duration like 30m, 1h, 2d or 1h30m`);
  return total;
}

/** Commander collects a repeatable option with this. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Commander parses a count option with this (a usage error, exit 2, when it is not one). */
export function positiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`"${text}" is not a positive whole number`);
  return value;
}
