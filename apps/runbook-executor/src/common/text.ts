/** Cuts `text` to at most `max` characters, saying so at the end. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 14)}… [truncated]`;
}

// Postgres text and jsonb cannot hold U+0000, and jsonb refuses a lone UTF-16 surrogate: a step
// whose output carried either would fail the attempt's write after the step acted. Both become U+FFFD.
const NUL = '\u0000';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` without what Postgres cannot store. */
export function storableText(text: string): string {
  return text.replaceAll(NUL, '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

/** A JSON-like value with every string (keys included) made storable; other values as they are. */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => storable(item)) as T;
  if (value && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const clean: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      Object.defineProperty(clean, storableText(key), { value: storable(item), enumerable: true, writable: true, configurable: true });
    return clean as T;
  }
  return value;
}
