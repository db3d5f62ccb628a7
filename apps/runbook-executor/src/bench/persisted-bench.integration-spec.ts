import { FakeHttpTarget } from '@firebreak/testing';
import { benchPersisted } from './persisted-bench';

// A smoke check of the real-path benchmark `npm run bench` runs: the figures are not asserted, but
// the bench itself throws unless every run succeeded with its eight events exactly once, in order.
it('benchPersisted runs 3-step executions from runbooks.requested through Postgres and reports the cost per execution', async () => {
  const target = new FakeHttpTarget();
  await target.start();
  try {
    const result = await benchPersisted({ executions: 12, warmup: 3, targetUrl: target.url, workerConcurrency: 4 });
    expect(result).toMatchObject({
      executions: 12,
      executionsPerSec: expect.any(Number),
      transactionsPerExecution: expect.any(Number),
      statementsPerExecution: expect.any(Number),
      // Publishes JetStream dropped as repeats of an event id are counted apart, never as a run's events.
      republishedEvents: expect.any(Number),
      workerConcurrency: 4,
    });
    for (const step of ['first', 'second', 'third']) expect(target.requests.filter((r) => r.path === `/bench/${step}`)).toHaveLength(15);
  } finally {
    await target.stop();
  }
});
