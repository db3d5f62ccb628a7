import type { RE2JS } from 're2js';
import { MISSING, pathSegments, valueAt } from '../definitions/data-path';

export interface BodyCondition {
  path?: string;
  equals?: string | number | boolean | null;
  matches?: RE2JS;
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Checks a response body: `path` + `equals` compares the JSON value at a dotted path (strict
 * equality on a string, number, boolean or null); `matches` searches an RE2 regex in the value at
 * `path` (a string as it is, anything else as JSON) or, without a path, in the raw body.
 * Returns what did not hold, in words; empty when all held.
 */
export function failedBodyConditions(rawBody: string, conditions: readonly BodyCondition[]): string[] {
  if (conditions.length === 0) return [];
  let parsed: unknown = MISSING;
  const json = (): unknown => {
    if (parsed === MISSING) {
      try {
        parsed = JSON.parse(rawBody);
      } catch {
        parsed = undefined;
      }
    }
    return parsed;
  };
  const failures: string[] = [];
  for (const condition of conditions) {
    if (condition.path === undefined) {
      if (condition.matches && !condition.matches.test(rawBody)) failures.push(`body does not match /${condition.matches.pattern()}/`);
      continue;
    }
    const document = json();
    if (document === undefined) {
      failures.push(`body is not JSON, so ${condition.path} cannot be read`);
      continue;
    }
    const value = valueAt(document, pathSegments(condition.path));
    if (value === MISSING) {
      failures.push(`${condition.path} is absent`);
      continue;
    }
    if (condition.equals !== undefined && value !== condition.equals)
      failures.push(`${condition.path} is ${show(value)}, expected ${show(condition.equals)}`);
    if (condition.matches) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (!condition.matches.test(text))
        failures.push(`${condition.path} is ${show(value)}, which does not match /${condition.matches.pattern()}/`);
    }
  }
  return failures;
}
