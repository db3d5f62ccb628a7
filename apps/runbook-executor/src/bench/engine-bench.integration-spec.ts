import { FakeHttpTarget } from '@firebreak/testing';
import { benchEngine } from './engine-bench';

// A smoke check that the benchmark the lead's `npm run bench` calls still runs; the figures are not asserted.
it('benchEngine runs a 3-step http runbook against a local target and reports both sides of the comparison', async () => {
  const target = new FakeHttpTarget();
  await target.start();
  try {
    const result = await benchEngine({ executions: 20, targetUrl: target.url, concurrency: 4, warmup: 5 });
    expect(result).toMatchObject({
      executions: 20,
      stepsPerExecution: 3,
      engine: { executionsPerSec: expect.any(Number) },
      bareHttp: { calls: 60 },
    });
    expect(target.requests.filter((r) => r.path === '/bench/first')).toHaveLength(25);
    expect(target.requests.find((r) => r.path === '/bench/second')?.query.instance).toBe('bench-1');
  } finally {
    await target.stop();
  }
});
