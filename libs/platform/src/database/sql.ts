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
