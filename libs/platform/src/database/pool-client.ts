import type { Pool, PoolClient } from 'pg';

/**
 * Runs `use` on a connection checked out of a node-pg pool, then gives it back. While a connection is checked out,
 * node-pg leaves its 'error' event to the caller, and an 'error' with no listener throws from the socket's handler:
 * a connection cut mid-query (Postgres restarted, a network drop) would end the whole process instead of failing
 * the query. Here the event is listened for the whole time the connection is out; the query in flight still
 * rejects with the error, and the pool discards a connection that is no longer usable when it comes back.
 * `discard` drops the connection once `use` is done, `discardOnFailure` only after a failure: for callers that leave
 * session state on it (settings, an open transaction), always or when they failed.
 */
export async function withPoolClient<T>(
  pool: Pool,
  use: (client: PoolClient) => Promise<T>,
  options: { discardOnFailure?: boolean; discard?: boolean } = {},
): Promise<T> {
  const client = await pool.connect();
  let connectionError: Error | undefined;
  const onError = (error: Error) => {
    connectionError = error;
  };
  client.on('error', onError);
  let failure: Error | undefined;
  try {
    return await use(client);
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(connectionError ?? (options.discardOnFailure ? failure : undefined) ?? (options.discard ? true : undefined));
  }
}
