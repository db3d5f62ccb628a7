import { Pool } from 'pg';
import { resolveDatabaseUrl, TcpProxy, waitFor } from '@firebreak/testing';
import { withPoolClient } from './pool-client';

// Postgres behind a proxy, to cut the connection while a query is on it.
let proxy: TcpProxy;
let pool: Pool;
let direct: Pool;
const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);

beforeAll(async () => {
  const databaseUrl = new URL(await resolveDatabaseUrl());
  direct = new Pool({ connectionString: databaseUrl.toString(), max: 1 });
  proxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
  await proxy.start();
  databaseUrl.host = `127.0.0.1:${proxy.port}`;
  pool = new Pool({ connectionString: databaseUrl.toString(), max: 2 });
  pool.on('error', () => undefined);
  process.on('uncaughtException', onUncaught);
});

afterAll(async () => {
  process.off('uncaughtException', onUncaught);
  await pool?.end();
  await direct?.end();
  await proxy?.stop();
});

afterEach(async () => {
  await proxy.restore();
});

const backends = async (): Promise<number> =>
  (await withPoolClient(pool, (client) => client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))).rows.length;

/** Whether Postgres is running `text` (seen on a connection that does not go through the proxy). */
const running = async (text: string): Promise<boolean> =>
  (await direct.query('SELECT 1 FROM pg_stat_activity WHERE query = $1 AND state = $2', [text, 'active'])).rowCount === 1;

it('a connection cut mid-query fails that query, not the process, and the pool discards it', async () => {
  const sleeping = withPoolClient(pool, (client) => client.query('SELECT pg_sleep(30) AS cut_mid_query'));
  await waitFor(() => running('SELECT pg_sleep(30) AS cut_mid_query'), { message: 'the query to run' });
  await proxy.cut();

  await expect(sleeping).rejects.toThrow(/Connection terminated/);
  expect(uncaught).toEqual([]);
  expect(pool.totalCount).toBe(0);

  await proxy.restore();
  expect(await backends()).toBe(1);
});

it('a connection cut while checked out between queries is discarded when it comes back', async () => {
  let cutDone!: () => void;
  const between = new Promise<void>((resolve) => (cutDone = resolve));
  let queried = false;
  const work = withPoolClient(pool, async (client) => {
    await client.query('SELECT 1');
    queried = true;
    await between;
    return 'done';
  });
  await waitFor(() => queried, { message: 'the first query to be answered' });
  await proxy.cut();
  await new Promise((resolve) => setTimeout(resolve, 100));
  cutDone();

  expect(await work).toBe('done');
  expect(uncaught).toEqual([]);
  expect(pool.totalCount).toBe(0);
});

it('keeps a usable connection after a failed query, and drops it when asked to', async () => {
  await expect(withPoolClient(pool, (client) => client.query('SELECT no_such_column'))).rejects.toThrow(/no_such_column/);
  expect(pool.idleCount).toBe(1);

  await expect(withPoolClient(pool, (client) => client.query('SELECT no_such_column'), { discardOnFailure: true })).rejects.toThrow(
    /no_such_column/,
  );
  await waitFor(() => pool.totalCount === 0, { message: 'the failed connection to be dropped' });
});
