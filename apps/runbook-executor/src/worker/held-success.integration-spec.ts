import { DataSource } from 'typeorm';
import { table } from '@firebreak/platform';
import { FakeHttpTarget, resolveDatabaseUrl, TcpProxy, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';
import { ExecutionRunner } from './execution-runner';

// The executor reaches Postgres through a proxy the test cuts while a step's success is held back
// (it is written with the next step's start), and brings back once recording the failure has failed.
const target = new FakeHttpTarget();
let proxy: TcpProxy;
let h: ExecutorHarness;
const concludeFailures: unknown[] = [];

const post = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  uses: 'http',
  with: { method: 'POST', url: `http://127.0.0.1:{{ params.port }}/${id}` },
  ...extra,
});

beforeAll(async () => {
  await target.start();
  const databaseUrl = new URL(await resolveDatabaseUrl());
  proxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
  await proxy.start();
  databaseUrl.host = `127.0.0.1:${proxy.port}`;
  h = await new ExecutorHarness(
    {
      'held.yaml': {
        id: 'held',
        title: 'Restart, then page while the SLO burns',
        severity: 'warning',
        // Not idempotent: a resume that finds `restart` in flight must not run it again.
        steps: [post('restart'), post('page', { if: "slo['api'].burning" })],
      },
    },
    { env: { DATABASE_URL: databaseUrl.toString(), FIREBREAK_EXECUTION_LEASE_MS: '3000' } },
  ).start(process.env);
  const runner = h.app.get(ExecutionRunner) as unknown as { conclude: (...args: unknown[]) => Promise<void> };
  const conclude = runner.conclude.bind(runner);
  jest.spyOn(runner, 'conclude').mockImplementation(async (...args: unknown[]) => {
    try {
      return await conclude(...args);
    } catch (error) {
      concludeFailures.push(error);
      throw error;
    }
  });
});

afterAll(async () => {
  await proxy?.restore().catch(() => undefined);
  await h?.stop();
  await proxy?.stop();
  await target.stop();
});

it('Postgres gone between a step and the next one: the held-back success is written once it is back, never lost', async () => {
  // The step succeeds on the outside, and Postgres goes away before the executor writes that down:
  // the next step's SLO read fails, then the closing write.
  target.on('POST', '/restart', async () => {
    await proxy.cut();
    return {};
  });
  const requestId = await h.request({ runbookId: 'held', params: { port: new URL(target.url).port } });
  await waitFor(() => concludeFailures.length > 0, { timeoutMs: 15_000, message: 'recording the failure to fail while Postgres is away' });
  await proxy.restore();

  const row = await h.waitForStatus(requestId, ['failed', 'needs_attention']);
  // Without the retry the run is recovered after its lease ran out and ends needs_attention, with
  // `restart` marked interrupted although it succeeded.
  expect(row.status).toBe('failed');
  expect(row.status_reason).toContain('executor error');
  const db = new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() });
  await db.initialize();
  try {
    const attempts = await db.query(`SELECT step_id, status FROM ${table(h.id, 'step_attempts')} WHERE execution_id = $1 ORDER BY id`, [
      row.id,
    ]);
    expect(attempts).toEqual([{ step_id: 'restart', status: 'succeeded' }]);
    const [stored] = await db.query(`SELECT state FROM ${table(h.id, 'executions')} WHERE id = $1`, [row.id]);
    expect(stored.state).toMatchObject({ completed: ['restart'], cursor: 1 });
    expect(stored.state.inFlight).toBeUndefined();
  } finally {
    await db.destroy();
  }
  expect(target.requests.filter((r) => r.path === '/restart')).toHaveLength(1);
});
