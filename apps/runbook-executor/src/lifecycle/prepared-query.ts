import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';

/**
 * Runs `text` as a named prepared statement on the transaction's connection: Postgres parses it once
 * per connection and, after a few runs, keeps a generic plan when it costs no more than the custom
 * ones, so the worker's statements (one per claim and per step) stop being planned every time (TypeORM's query()
 * sends unnamed statements only). The name carries a hash of the text, so two texts (two schemas in
 * one process) never share one. The statement must return a fixed column list, not `*`: a prepared
 * plan whose result columns change (a later migration adding one) fails instead of being re-planned.
 */
const names = new Map<string, string>();

export async function queryPrepared<T>(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) throw new Error(`${name} runs in a transaction, on its connection`);
  const client = (await runner.connect()) as PoolClient;
  // Counted and logged as TypeORM's own statements are.
  manager.connection.logger.logQuery(text, values, runner);
  const result = await client.query<T & object>({ name: preparedName(name, text), text, values });
  return result.rows;
}

/** The statement's name on every connection: `name` and a hash of the text. */
export function preparedName(name: string, text: string): string {
  let named = names.get(text);
  if (!named) names.set(text, (named = `${name}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`));
  return named;
}
