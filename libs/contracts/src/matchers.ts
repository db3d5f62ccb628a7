import { RE2JS } from 're2js';

/**
 * Alertmanager label matchers (`name="value"`, `!=`, `=~`, `!~`, or a `{a="b", c=~"d"}` set), parsed
 * the way Alertmanager's classic parser does: quoted or bare values, `\"`, `\\` and `\n` escapes
 * (any other backslash stays literal), regexes anchored as `^(?:re)$`, and a missing label matching
 * as the empty string. Shared by the mapper (silences, mapping rules) and the notifier (routes).
 *
 * Regexes run on RE2 semantics, as in Alertmanager (re2js, a pure-JavaScript port of RE2: no
 * native build): matching takes time linear in the label's length whatever the pattern, so no
 * silence, route or mapping rule can hang a service on a hostile value, and RE2 syntax (`(?i)`,
 * `(?P<name>...)`, `\pL`) means what it means to Alertmanager. Backreferences and lookarounds, which
 * RE2 lacks, are refused as invalid.
 */

export type MatchType = '=' | '!=' | '=~' | '!~';

/** A compiled, anchored RE2 pattern. */
export interface MatcherRegex {
  test(value: string): boolean;
}

export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
  regex?: MatcherRegex;
}

export class MatcherError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MatcherError';
  }
}

const MATCHER = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*([\s\S]*?)\s*$/;
const MAX_MATCHER_LENGTH = 1024;

/** One matcher. Throws MatcherError saying what is wrong. */
export function parseMatcher(input: string): Matcher {
  if (input.length > MAX_MATCHER_LENGTH) throw new MatcherError(`matcher is longer than ${MAX_MATCHER_LENGTH} characters`);
  const parts = MATCHER.exec(input);
  if (!parts) throw new MatcherError(`bad matcher format: ${input} (expected name="value", name!="value", name=~"regex" or name!~"regex")`);
  const [, name, type, rawValue] = parts;
  const value = unquote(rawValue);
  const matcher: Matcher = { name, type: type as MatchType, value };
  if (type === '=~' || type === '!~') matcher.regex = compileAnchored(value);
  return matcher;
}

/**
 * One matcher string or one `{...}` set (commas inside quotes kept) → its matchers; `{}` is none.
 * An error names the matcher text at fault: `"<text>" is not a matcher: <why>`.
 */
export function parseMatchers(input: string): Matcher[] {
  const trimmed = input.trim();
  if (!trimmed.startsWith('{')) return [parseNamed(trimmed)];
  if (!trimmed.endsWith('}')) throw new MatcherError(`"${input}": a matcher set must end with "}"`);
  return splitOutsideQuotes(trimmed.slice(1, -1))
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parseNamed);
}

function parseNamed(text: string): Matcher {
  try {
    return parseMatcher(text);
  } catch (error) {
    if (!(error instanceof MatcherError)) throw error;
    throw new MatcherError(`"${text}" is not a matcher: ${error.message}`, { cause: error });
  }
}

function unquote(raw: string): string {
  const quoted = raw.startsWith('"');
  const body = quoted ? raw.slice(1) : raw;
  let value = '';
  let escaped = false;
  let closed = !quoted;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (escaped) {
      escaped = false;
      value += char === 'n' ? '\n' : char === '"' || char === '\\' ? char : `\\${char}`;
      continue;
    }
    if (char === '\\' && i < body.length - 1) {
      escaped = true;
    } else if (char === '"') {
      if (!quoted || i < body.length - 1) throw new MatcherError(`matcher value contains an unescaped double quote: ${raw}`);
      closed = true;
    } else {
      value += char;
    }
  }
  if (!closed) throw new MatcherError(`matcher value lacks its closing double quote: ${raw}`);
  return value;
}

function compileAnchored(pattern: string): MatcherRegex {
  try {
    const compiled = RE2JS.compile(`^(?:${pattern})$`);
    return { test: (value) => compiled.matches(value) };
  } catch (error) {
    throw new MatcherError(`invalid regex ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
}

/** Splits a set's body at commas that are not inside a quoted value. */
function splitOutsideQuotes(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) {
      current += c + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** The label's value, or '' when absent; own properties only, so `constructor` is just a name. */
export function labelValue(labels: Record<string, string>, name: string): string {
  return Object.prototype.hasOwnProperty.call(labels, name) ? labels[name] : '';
}

export function matches(matcher: Matcher, labels: Record<string, string>): boolean {
  const value = labelValue(labels, matcher.name);
  switch (matcher.type) {
    case '=':
      return value === matcher.value;
    case '!=':
      return value !== matcher.value;
    case '=~':
      return matcher.regex!.test(value);
    case '!~':
      return !matcher.regex!.test(value);
  }
}

export function matchesAll(matchers: readonly Matcher[], labels: Record<string, string>): boolean {
  return matchers.every((matcher) => matches(matcher, labels));
}

/** The canonical text of a matcher: `name="value"` with Alertmanager's escapes. */
export function formatMatcher(matcher: Matcher): string {
  const escaped = matcher.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `${matcher.name}${matcher.type}"${escaped}"`;
}

/** Alertmanager refuses a silence that would match every alert; so do we. */
export function matchesEmptyLabelSet(matchers: readonly Matcher[]): boolean {
  return matchers.every((matcher) => matches(matcher, {}));
}
