import { APPS, Stack } from './stack';

describe('the whole stack', () => {
  const stack = new Stack();

  afterAll(() => stack.cleanUp());

  it('starts all six services, each ready against the local NATS and Postgres', async () => {
    await stack.start();
    for (const app of APPS) {
      const response = await fetch(`${stack.url(app)}/health/ready`);
      const body = (await response.json()) as { info: Record<string, { status: string }> };
      expect({ app, status: response.status, nats: body.info?.nats?.status }).toEqual({ app, status: 200, nats: 'up' });
      if (app !== 'ingress') expect(body.info.postgres.status).toBe('up');
    }
  });

  it('serves each service its own OpenAPI document and metrics', async () => {
    for (const app of APPS) {
      const docs = await fetch(`${stack.url(app)}/docs-json`);
      expect(((await docs.json()) as { info: { title: string } }).info.title).toBe(`Firebreak ${app}`);
      const metrics = await (await fetch(`${stack.url(app)}/metrics`)).text();
      expect(metrics).toContain('firebreak_bus_connected 1');
    }
  });

  it('stops gracefully on SIGTERM', async () => {
    const service = stack.services.get('slo-reporter')!;
    const exit = new Promise<number | null>((resolve) => service.process.once('exit', (code) => resolve(code)));
    service.process.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
