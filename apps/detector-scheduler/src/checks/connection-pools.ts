import { Pool, PoolClient, QueryConfig } from 'pg';
import { withPoolClient } from '@firebreak/platform';
import { NamedConnection } from '../definitions/detector-config';

/**
 * Pools for the named connections of connections.yaml (each declared `readOnly: true`, checked at
 * start), opened on first use. A detector only ever reads, enforced three ways: the query goes over
 * the extended protocol (`queryMode: 'extended'`, even without parameters), which takes exactly one
 * statement, so `SELECT 1; COMMIT; CREATE TABLE …` is refused instead of committing its way out of
 * the transaction; it runs in a `READ ONLY` transaction with a statement timeout; and the session
 * itself defaults to read-only transactions. It is cancelled on the server when the detector's timeout aborts it.
 */
export class ConnectionPools {
  private readonly pools = new Map<string, Pool>();

  async readOne(
    connection: NamedConnection,
    text: string,
    values: unknown[],
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<unknown[][]> {
    const pool = this.pool(connection);
    return withPoolClient(pool, async (client) => {
      const cancel = () =>
        void pool.query('SELECT pg_cancel_backend($1)', [(client as PoolClient & { processID: number }).processID]).catch(() => undefined);
      signal.addEventListener('abort', cancel, { once: true });
      try {
        await client.query('BEGIN READ ONLY');
        await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
        // node-pg sends a query without values over the simple protocol, which runs several statements;
        // 'extended' is a node-pg option its type definitions do not list yet.
        const query = { text, values, rowMode: 'array', queryMode: 'extended' } as QueryConfig & {
          rowMode: 'array';
          queryMode: 'extended';
        };
        const result = await client.query(query);
        await client.query('COMMIT');
        return result.rows as unknown[][];
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        signal.removeEventListener('abort', cancel);
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end().catch(() => undefined)));
    this.pools.clear();
  }

  private pool(connection: NamedConnection): Pool {
    let pool = this.pools.get(connection.name);
    if (!pool) {
      pool = new Pool({
        connectionString: connection.url,
        max: 2,
        connectionTimeoutMillis: 5_000,
        idleTimeoutMillis: 30_000,
        // Every transaction of these sessions is read-only unless it says otherwise (ours never does).
        options: '-c default_transaction_read_only=on',
      });
      pool.on('error', () => undefined);
      this.pools.set(connection.name, pool);
    }
    return pool;
  }
}

/** A cell as a number: Postgres bigint and numeric arrive as strings. */
export function numberOf(cell: unknown): number | null {
  if (cell === null || cell === undefined) return null;
  const value = typeof cell === 'number' ? cell : typeof cell === 'string' || typeof cell === 'bigint' ? Number(cell) : NaN;
  return Number.isFinite(value) ? value : NaN;
}
