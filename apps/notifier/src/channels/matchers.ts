/**
 * Alertmanager matcher syntax (`name="value"`, `!=`, `=~`, `!~`, or a `{a="b", c=~"d"}` set).
 * Regexes are anchored at both ends, as in Alertmanager, and a missing label matches like "".
 * The mapper has its own copy for its label rules; they should move to a shared lib together.
 * Regexes run on JavaScript's engine, not Go's RE2: RE2-only syntax is reported at start-up.
 */
export type MatchType = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
  regex?: RegExp;
}

export class MatcherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatcherError';
  }
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*([\s\S]*?)\s*$/;
const ESCAPES: Record<string, string> = { '\\': '\\', '"': '"', n: '\n', t: '\t' };

/** One matcher string (or one `{...}` set) → its matchers. Throws MatcherError saying what is wrong. */
export function parseMatchers(input: string): Matcher[] {
  const trimmed = input.trim();
  if (trimmed.startsWith('{')) {
    if (!trimmed.endsWith('}')) throw new MatcherError(`"${input}": a matcher set must end with "}"`);
    return splitOutsideQuotes(trimmed.slice(1, -1))
      .filter((part) => part.trim() !== '')
      .map(parseMatcher);
  }
  return [parseMatcher(trimmed)];
}

export function parseMatcher(input: string): Matcher {
  const match = MATCHER.exec(input);
  if (!match) throw new MatcherError(`"${input}" is not a matcher: expected name="value" with =, !=, =~ or !~`);
  const [, name, type, raw] = match;
  const value = unquote(raw, input);
  const matcher: Matcher = { name, type: type as MatchType, value };
  if (type === '=~' || type === '!~') {
    try {
      matcher.regex = new RegExp(`^(?:${value})$`);
    } catch (error) {
      throw new MatcherError(`"${input}": invalid regular expression (${(error as Error).message})`);
    }
  }
  return matcher;
}

export function matches(matcher: Matcher, labels: Record<string, string>): boolean {
  const value = labels[matcher.name] ?? '';
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

export function matchesAll(matchers: Matcher[], labels: Record<string, string>): boolean {
  return matchers.every((matcher) => matches(matcher, labels));
}

function unquote(raw: string, input: string): string {
  if (!raw.startsWith('"')) {
    if (raw.includes('"')) throw new MatcherError(`"${input}": unquoted value contains a quote`);
    return raw;
  }
  let out = '';
  for (let i = 1; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') {
      if (i !== raw.length - 1) throw new MatcherError(`"${input}": text after the closing quote`);
      return out;
    }
    if (c === '\\') {
      const escaped = ESCAPES[raw[i + 1]];
      if (escaped === undefined) throw new MatcherError(`"${input}": unknown escape "\\${raw[i + 1] ?? ''}"`);
      out += escaped;
      i++;
    } else {
      out += c;
    }
  }
  throw new MatcherError(`"${input}": missing closing quote`);
}

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
