import { EntityManager } from 'typeorm';

/** What a repository write needs: an EntityManager, or a batch that sends later. */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * Rows of one kind gathered by a transaction and written by one statement at flush, whatever their
 * number: e.g. `INSERT ... SELECT ... FROM jsonb_to_recordset($1)`, the rows as one JSON document.
 * With `key`, a later row of a key replaces the earlier one (the last write of a row wins), so the
 * statement never touches a row twice.
 */
export interface RowWrite<R> {
  key?: (row: R) => string;
  statements(rows: R[]): Statement[];
}

export interface Statement {
  sql: string;
  params: unknown[];
}

// Postgres takes at most 65535 parameters per statement; flush well before.
const MAX_PARAMS = 20_000;
export const POSTGRES_MAX_PARAMS = 65_535;

/**
 * Collects the writes of a transaction and sends them as one statement of data-modifying CTEs
 * (`WITH w0 AS (UPDATE ...), w1 AS (INSERT ...) SELECT 1`): one round trip instead of one per
 * write, which is where an alert storm spends its time. Rows of one kind (`row`) become one
 * statement, so Postgres parses and plans a few statements per batch, not a few per alert.
 * Writes in a batch must not touch the same row twice, and a read that must see them needs `flush()` first.
 */
export class WriteBatch implements SqlRunner {
  private statements: Statement[] = [];
  private paramCount = 0;
  private readonly rows = new Map<RowWrite<never>, Map<string, unknown> | unknown[]>();

  constructor(private readonly manager: EntityManager) {}

  async query(sql: string, params: unknown[] = []): Promise<unknown> {
    // A statement Postgres would refuse whatever its company: the caller must chunk it (a bug, not an outage).
    if (params.length > POSTGRES_MAX_PARAMS) throw new Error(`a statement of ${params.length} parameters: Postgres takes at most 65535`);
    // Flushed before it would pass the limit, so the combined statement stays under it whatever is added.
    if (this.paramCount + params.length > MAX_PARAMS) await this.flush();
    this.statements.push({ sql, params });
    this.paramCount += params.length;
    return [];
  }

  /** Adds a row to its kind's statement (sent at flush). */
  row<R>(write: RowWrite<R>, row: R): void {
    const kind = write as RowWrite<never>;
    let rows = this.rows.get(kind);
    if (!rows) this.rows.set(kind, (rows = write.key ? new Map<string, unknown>() : []));
    if (Array.isArray(rows)) rows.push(row);
    else rows.set(write.key!(row), row);
  }

  async flush(): Promise<void> {
    for (const [write, rows] of this.rows) {
      const list = (Array.isArray(rows) ? rows : [...rows.values()]) as never[];
      if (list.length === 0) continue;
      this.statements.push(...write.statements(list));
    }
    this.rows.clear();
    const pending = this.statements;
    this.statements = [];
    this.paramCount = 0;
    if (pending.length === 0) return;
    if (pending.length === 1) {
      await this.manager.query(pending[0].sql, pending[0].params);
      return;
    }
    const params: unknown[] = [];
    const parts = pending.map((statement, index) => {
      const offset = params.length;
      params.push(...statement.params);
      // Our SQL has no "$" outside placeholders, so renumbering them is a plain replace.
      return `w${index} AS (${statement.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
    });
    await this.manager.query(`WITH ${parts.join(', ')} SELECT 1`, params);
  }
}

/**
 * A FROM item of the rows sent as one JSON array in `param`, as `r`, with each row's place in the
 * array as `r.n` (to insert in order). `columns`: `name type, ...`, the names the JSON objects use.
 */
export function jsonRows(param: string, columns: string): string {
  const names = columns.split(',').map((column) => column.trim().split(/\s+/)[0]);
  return `ROWS FROM (jsonb_to_recordset(${param}::jsonb) AS (${columns})) WITH ORDINALITY AS r(${names.join(', ')}, n)`;
}
