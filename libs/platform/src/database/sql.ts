/** A table name qualified with the service's schema, quoted once here rather than in every repository. */
export function table(schema: string, name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`"${name}" is not a table name`);
  return `"${schema.replace(/"/g, '""')}".${name}`;
}

/**
 * The rows of a raw `manager.query(...)` result. TypeORM's Postgres driver answers UPDATE and
 * DELETE ... RETURNING with `[rows, affectedCount]` but SELECT and INSERT with the rows alone.
 */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

// A high surrogate not followed by a low one, a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` as Postgres can store it: text and jsonb refuse U+0000 (SQLSTATE 22021, 22P05) and jsonb a
 * lone UTF-16 surrogate (22P02), so hostile input carrying either would fail every write. Each is
 * replaced by `replacement` (U+FFFD unless said otherwise).
 */
export function storableText(text: string, replacement = '\uFFFD'): string {
  return text.replaceAll('\u0000', replacement).replace(LONE_SURROGATE, replacement);
}

/** A JSON-like value with every string (keys included) made storable; other values as they are. */
export function storable<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => storable(item)) as T;
  if (value && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const clean: Record<string, unknown> = {};
    // defineProperty: a key such as `__proto__` stays a plain key.
    for (const [key, item] of Object.entries(value))
      Object.defineProperty(clean, storableText(key), { value: storable(item), enumerable: true, writable: true, configurable: true });
    return clean as T;
  }
  return value;
}
