/**
 * Dotted / JSONPath-like paths into JSON data, shared by http body conditions (checks/) and heartbeat
 * event matches (heartbeats/). It lives in the leaf `definitions/` so both can build on it without the
 * feature folders importing each other.
 */

/** `$.a.b[0].c`, `a.b.0.c` → ['a', 'b', '0', 'c']. */
export function pathSegments(path: string): string[] {
  return path
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((segment) => segment !== '');
}

/** What valueAt returns for a path the document does not have (unlike `undefined`, never a JSON value). */
export const MISSING = Symbol('missing');

export function valueAt(document: unknown, segments: string[]): unknown {
  let current: unknown = document;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return MISSING;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return MISSING;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
