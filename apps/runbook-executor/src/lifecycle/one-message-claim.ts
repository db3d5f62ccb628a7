import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { withPoolClient } from '@firebreak/platform';
import { preparedName } from './prepared-query';

/** A parameter of the claim, written into the message as a literal cast to its type (the simple protocol takes no parameters). */
export type ClaimArgument = Date | string | number | string[];

/** The connections that have each statement prepared (by name), so PREPARE goes with the first claim on each only. */
const preparedOn = new WeakMap<PoolClient, Set<string>>();

function literal(client: PoolClient, value: ClaimArgument): string {
  if (value instanceof Date) return client.escapeLiteral(value.toISOString());
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`claim argument ${value} is not a finite number`);
    return String(value);
  }
  if (typeof value === 'string') return client.escapeLiteral(value);
  return value.length ? `ARRAY[${value.map((item) => client.escapeLiteral(item)).join(', ')}]` : `'{}'`;
}

/**
 * The claim as one message to Postgres, outside any transaction: `SELECT pg_advisory_xact_lock(…); EXECUTE claim(…)`.
 * Statements sent in one simple-protocol message run as one implicit transaction, so the lock is held until the
 * claim's update commits; and each statement takes its own snapshot, so the claim sees every claim that committed
 * before this one got the lock, as it did in BEGIN, lock, claim, COMMIT (four round trips). One statement could not
 * do it: its snapshot would be taken before it waited for the lock. The claim stays a prepared statement (SQL
 * PREPARE, with the first claim on each connection), as planning it costs more than running it. Any failure
 * discards the connection, so no half-known prepared state is reused (Postgres keeps a PREPARE whose message failed).
 *
 * Known costs of the one message: an executor that dies while its claim waits for the lock, or whose connection is
 * cut before the answer arrives, still has the claim commit on the server (before, its COMMIT never came), so those
 * runs wait one lease for a worker to resume them; nothing is lost or run twice. And SQL PREPARE needs session pooling: behind a transaction-mode pooler
 * (pgbouncer) the EXECUTE may land on a connection that never saw the PREPARE.
 */
export async function claimInOneMessage<T>(
  dataSource: DataSource,
  lockKey: string,
  statement: { name: string; text: string; types: string[] },
  args: ClaimArgument[],
): Promise<T[]> {
  const name = preparedName(`${statement.name}_sql`, statement.text);
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  return withPoolClient(
    pool,
    async (client) => {
      const prepared = preparedOn.get(client) ?? new Set<string>();
      const prepare = prepared.has(name) ? '' : `PREPARE ${name}(${statement.types.join(', ')}) AS ${statement.text};\n`;
      const message = `${prepare}SELECT pg_advisory_xact_lock(hashtext(${client.escapeLiteral(lockKey)}));
EXECUTE ${name}(${args.map((arg, index) => `${literal(client, arg)}::${statement.types[index]}`).join(', ')})`;
      dataSource.logger.logQuery(message, []);
      const results = (await client.query(message)) as unknown as Array<{ rows: T[] }>;
      prepared.add(name);
      preparedOn.set(client, prepared);
      return results[results.length - 1].rows;
    },
    { discardOnFailure: true },
  );
}
