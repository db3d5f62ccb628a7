import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { resolveDatabaseUrl, TcpProxy, waitFor } from '@firebreak/testing';
import { withPoolClient } from './pool-client';

// Postgres behind a proxy, to cut the connection while a query is on it.
let proxy: TcpProxy;
let pool: Pool;
let direct: Pool;

beforeAll(async () => {
  const databaseUrl = new URL(await resolveDatabaseUrl());
  direct = new Pool({ connectionString: databaseUrl.toString(), max: 1 });
  proxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
  await proxy.start();
  databaseUrl.host = `127.0.0.1:${proxy.port}`;
  pool = new Pool({ connectionString: databaseUrl.toString(), max: 2 });
  pool.on('error', () => undefined);
});

afterAll(async () => {
  await pool?.end();
  await direct?.end();
  await proxy?.stop();
});

afterEach(async () => {
  await proxy.restore();
});

it("an 'error' on a checked-out connection is the caller's, not the process's: the work ends and the pool drops the connection", async () => {
  // node-pg emits 'error' on a client whose socket died; with no listener, that throws from the socket's handler.
  const answer = await withPoolClient(pool, async (client) => {
    await client.query('SELECT 1');
    client.emit('error', new Error('the socket died'));
    return 'finished';
  });

  expect(answer).toBe('finished');
  expect(pool.totalCount).toBe(0);
});

it('a connection cut mid-query fails that query, and the pool drops it', async () => {
  // A marker of its own: the backend of a cut connection sleeps on until Postgres notices.
  const text = `SELECT pg_sleep(30) AS "cut-${randomUUID()}"`;
  const sleeping = withPoolClient(pool, (client) => client.query(text));
  await waitFor(async () => (await direct.query('SELECT 1 FROM pg_stat_activity WHERE query = $1', [text])).rowCount === 1, {
    message: 'the query to run',
  });
  await proxy.cut();

  await expect(sleeping).rejects.toThrow(/Connection terminated/);
  expect(pool.totalCount).toBe(0);
  await direct.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1', [text]);

  await proxy.restore();
  expect((await withPoolClient(pool, (client) => client.query('SELECT 1 AS one'))).rows).toEqual([{ one: 1 }]);
});

it('keeps a usable connection after a failed query, and drops it when asked to', async () => {
  await expect(withPoolClient(pool, (client) => client.query('SELECT no_such_column'))).rejects.toThrow(/no_such_column/);
  expect(pool.idleCount).toBe(1);

  await expect(withPoolClient(pool, (client) => client.query('SELECT no_such_column'), { discardOnFailure: true })).rejects.toThrow(
    /no_such_column/,
  );
  await waitFor(() => pool.totalCount === 0, { message: 'the failed connection to be dropped' });
});
