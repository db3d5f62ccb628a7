import { EntityManager } from 'typeorm';

/** What a repository write needs: an EntityManager, or a batch that sends later. */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

// Postgres takes at most 65535 parameters per statement; flush well before.
const MAX_PARAMS = 20_000;
export const POSTGRES_MAX_PARAMS = 65_535;

/**
 * Collects the writes of a transaction and sends them as one statement of data-modifying CTEs
 * (`WITH w0 AS (UPDATE ...), w1 AS (INSERT ...) SELECT 1`): one round trip instead of one per
 * write, which is where an alert storm spends its time. Writes in a batch must not touch the same
 * row twice, and a read that must see them needs `flush()` first.
 */
export class WriteBatch implements SqlRunner {
  private statements: Array<{ sql: string; params: unknown[] }> = [];
  private paramCount = 0;

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

  async flush(): Promise<void> {
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
