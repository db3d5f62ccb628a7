import { Pool, PoolClient } from 'pg';
import { withPoolClient } from '@firebreak/platform';
import { SqlConnection } from '../common/settings';
import { truncate } from '../common/text';
import { StepResult, StepRunContext, StepRunner } from '../engine/engine.types';
import { StepFailure } from '../engine/step-failure';
import { renderText } from '../definitions/template';
import { SqlWith } from '../definitions/step.schemas';

/**
 * A statement written in the runbook, never templated, on a named connection; the only values from
 * alerts and requests are its bound parameters ($1, $2, …). Statements run outside a transaction,
 * so maintenance such as VACUUM works.
 */
export class SqlStepRunner implements StepRunner {
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly connections: ReadonlyMap<string, SqlConnection>) {}

  async run(ctx: StepRunContext): Promise<StepResult> {
    const spec = ctx.step.with as SqlWith;
    const connection = this.connections.get(spec.connection);
    if (!connection) throw new StepFailure(`connection "${spec.connection}" is not defined in connections.yaml`, false);
    const params = spec.params.map((template) => renderText(template, ctx.scope));
    const pool = this.pool(connection);
    // A fresh session for every step: the statement is the runbook's, and what it leaves on its session (a setting,
    // an open transaction, a lock) must not reach the next step; nor can a late cancel reach another step's query.
    return withPoolClient(
      pool,
      async (client) => {
        const cancel = () =>
          void pool
            .query('SELECT pg_cancel_backend($1)', [(client as PoolClient & { processID: number }).processID])
            .catch(() => undefined);
        ctx.signal.addEventListener('abort', cancel, { once: true });
        try {
          await client.query(`SET statement_timeout = ${Math.max(1, Math.floor(ctx.timeoutMs))}`);
          await client.query(`SET default_transaction_read_only = ${connection.readOnly ? 'on' : 'off'}`);
          const result = await client.query({ text: spec.statement, values: params });
          const rows = (result.rows ?? []).slice(0, spec.maxRows);
          const outputs = { rowCount: result.rowCount ?? 0, rows, command: result.command };
          return { outputs, excerpt: truncate(`${result.command} ${result.rowCount ?? 0}\n${JSON.stringify(rows.slice(0, 20))}`, 4_000) };
        } catch (error) {
          throw new StepFailure(`SQL failed on ${connection.name}: ${(error as Error).message}`, true);
        } finally {
          ctx.signal.removeEventListener('abort', cancel);
        }
      },
      { discard: true },
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.end().catch(() => undefined)));
    this.pools.clear();
  }

  private pool(connection: SqlConnection): Pool {
    let pool = this.pools.get(connection.name);
    if (!pool) {
      pool = new Pool({ connectionString: connection.url, max: 3, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
      pool.on('error', () => undefined);
      this.pools.set(connection.name, pool);
    }
    return pool;
  }
}
