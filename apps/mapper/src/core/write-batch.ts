import { EntityManager } from 'typeorm';

/** What a repository write needs: an EntityManager, or a batch that sends later. */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * Rows of one kind gathered by a transaction and written at flush by one statement per chunk of
 * them: e.g. `INSERT ... SELECT ... FROM jsonb_to_recordset($1)`, a chunk's rows as one JSON
 * document. With `key`, a later row of a key replaces the earlier one (the last write of a row
 * wins), so no statement touches a row twice and no two chunks hold the same row.
 */
export interface RowWrite<R> {
  key?: (row: R) => string;
  /** What a row is sent as (e.g. its `jsonTuples` tuple); the row itself without it. */
  encode?: (row: R) => unknown;
  /**
   * The statements writing one chunk of rows (in the order added). `encoded` is each row's
   * `JSON.stringify` (of `encode(row)` when given), made once by the batch to size the chunks: `jsonArray(encoded)` is the document.
   */
  statements(rows: R[], encoded: string[]): Statement[];
}

export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * How much one statement carries. Bytes: one JSON document must stay far below Postgres's jsonb
 * limit (~256 MiB), V8's longest string and Postgres's 1 GiB message, whatever the alerts hold
 * (up to 1 MiB each). Rows: a cap on the work one statement does even when rows are small.
 */
export interface BatchLimits {
  maxBytes: number;
  maxRows: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxBytes: 16 * 1024 * 1024, maxRows: 1_000 };

// Postgres takes at most 65535 parameters per statement; flush well before.
const MAX_PARAMS = 20_000;
export const POSTGRES_MAX_PARAMS = 65_535;

interface Pending extends Statement {
  /** The row kind it writes (none for a plain `query`): two chunks of a kind never share a statement. */
  kind?: RowWrite<never>;
  chunk?: number;
  bytes: number;
}

/**
 * Collects the writes of a transaction and sends them as few statements of data-modifying CTEs
 * (`WITH w0 AS (UPDATE ...), w1 AS (INSERT ...) SELECT 1`): one round trip instead of one per
 * write, which is where an alert storm spends its time. Rows of one kind (`row`) become one
 * statement per chunk (`limits`), so Postgres parses and plans a few statements per batch, not a
 * few per alert. A statement sent carries at most `limits.maxBytes` (but a single bigger one), and
 * the chunks of one kind go in separate statements, in order: CTEs of one statement run in no set
 * order, and appended rows must keep theirs. Writes in a batch must not touch the same row twice,
 * and a read that must see them needs `flush()` first.
 */
export class WriteBatch implements SqlRunner {
  private statements: Pending[] = [];
  private paramCount = 0;
  private readonly rows = new Map<RowWrite<never>, Map<string, unknown> | unknown[]>();

  constructor(
    private readonly manager: EntityManager,
    private readonly limits: BatchLimits = DEFAULT_BATCH_LIMITS,
  ) {}

  async query(sql: string, params: unknown[] = []): Promise<unknown> {
    // A statement Postgres would refuse whatever its company: the caller must chunk it (a bug, not an outage).
    if (params.length > POSTGRES_MAX_PARAMS) throw new Error(`a statement of ${params.length} parameters: Postgres takes at most 65535`);
    // Flushed before it would pass the limit, so the combined statement stays under it whatever is added.
    if (this.paramCount + params.length > MAX_PARAMS) await this.flush();
    this.statements.push({ sql, params, bytes: paramBytes(params) });
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
    for (const [kind, rows] of this.rows) {
      const list = (Array.isArray(rows) ? rows : [...rows.values()]) as never[];
      const encode = kind.encode;
      const encoded = list.map((row) => JSON.stringify(encode ? encode(row) : row));
      for (const [chunk, [start, end]] of chunkRows(encoded, this.limits).entries()) {
        for (const statement of kind.statements(list.slice(start, end), encoded.slice(start, end)))
          this.statements.push({ ...statement, kind, chunk, bytes: paramBytes(statement.params) });
      }
    }
    this.rows.clear();
    const pending = this.statements;
    this.statements = [];
    this.paramCount = 0;
    for (const group of groupStatements(pending, this.limits.maxBytes)) await this.send(group);
  }

  private async send(group: Pending[]): Promise<void> {
    if (group.length === 1) {
      await this.manager.query(group[0].sql, group[0].params);
      return;
    }
    const params: unknown[] = [];
    const parts = group.map((statement, index) => {
      const offset = params.length;
      params.push(...statement.params);
      // Our SQL has no "$" outside placeholders, so renumbering them is a plain replace.
      return `w${index} AS (${statement.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`;
    });
    await this.manager.query(`WITH ${parts.join(', ')} SELECT 1`, params);
  }
}

/**
 * Splits rows (as their JSON) into consecutive chunks, `[start, end)`, of at most `maxRows` rows
 * whose JSON array is at most `maxBytes` bytes; a row bigger than that alone is a chunk of its own.
 */
export function chunkRows(encoded: readonly string[], limits: BatchLimits): Array<[number, number]> {
  const chunks: Array<[number, number]> = [];
  let start = 0;
  let bytes = 2; // the brackets
  for (let index = 0; index < encoded.length; index++) {
    const size = Buffer.byteLength(encoded[index]) + 1; // and its comma
    if (index > start && (index - start >= limits.maxRows || bytes + size > limits.maxBytes)) {
      chunks.push([start, index]);
      start = index;
      bytes = 2;
    }
    bytes += size;
  }
  if (encoded.length > start) chunks.push([start, encoded.length]);
  return chunks;
}

/** The rows whose `JSON.stringify` is `encoded`, as one JSON array. */
export function jsonArray(encoded: readonly string[]): string {
  return `[${encoded.join(',')}]`;
}

/** Consecutive statements sent together while they stay within `maxBytes` and hold one chunk of a kind at most. */
function groupStatements(pending: Pending[], maxBytes: number): Pending[][] {
  const groups: Pending[][] = [];
  let group: Pending[] = [];
  let bytes = 0;
  for (const statement of pending) {
    const laterChunk =
      statement.kind !== undefined && group.some((other) => other.kind === statement.kind && other.chunk !== statement.chunk);
    if (group.length > 0 && (laterChunk || bytes + statement.bytes > maxBytes)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(statement);
    bytes += statement.bytes;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** About what the parameters weigh on the wire: strings by their UTF-8 bytes, anything else a few. */
function paramBytes(params: readonly unknown[]): number {
  let bytes = 0;
  for (const param of params) {
    if (typeof param === 'string') bytes += Buffer.byteLength(param);
    else if (Array.isArray(param)) bytes += paramBytes(param);
    else bytes += 8;
  }
  return bytes;
}
