import { createServer } from 'node:net';
import { freePort, resolveDatabaseUrl, resolveNatsUrl, uniqueTestId, waitFor } from './infra';

describe('test infrastructure', () => {
  const saved = { NATS_URL: process.env.NATS_URL, DATABASE_URL: process.env.DATABASE_URL };
  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('finds the local NATS and Postgres when no URL is set', async () => {
    delete process.env.NATS_URL;
    delete process.env.DATABASE_URL;

    expect(await resolveNatsUrl()).toBe('nats://127.0.0.1:4222');
    expect(await resolveDatabaseUrl()).toBe('postgres://postgres@127.0.0.1:5432/postgres');
  });

  it('prefers the URLs from the environment', async () => {
    process.env.NATS_URL = 'nats://nats.example:4222';
    process.env.DATABASE_URL = 'postgres://db.example/firebreak';

    expect(await resolveNatsUrl()).toBe('nats://nats.example:4222');
    expect(await resolveDatabaseUrl()).toBe('postgres://db.example/firebreak');
  });

  it('hands out unique ids usable as subject tokens and schema names', () => {
    const ids = Array.from({ length: 200 }, () => uniqueTestId('Alert Ingress-v2'));

    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z0-9_]+$/);
      expect(id.length).toBeLessThanOrEqual(63);
    }
    expect(ids[0]).toMatch(/^t_alert_ingress_v2_[0-9a-f]{10}$/);
  });

  it('returns a port that can be listened on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
    expect(port).toBeGreaterThan(0);
  });

  it('waitFor polls until true and throws its message on timeout', async () => {
    let calls = 0;
    await waitFor(() => ++calls >= 3, { intervalMs: 5 });
    expect(calls).toBe(3);

    await expect(waitFor(() => false, { timeoutMs: 30, intervalMs: 5, message: 'never' })).rejects.toThrow(
      'waitFor timed out after 30 ms: never',
    );
  });
});
