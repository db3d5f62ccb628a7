import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { FakeClock, FakeHttpTarget, uniqueTestId } from '@firebreak/testing';
import { BusReader, closeInstallation, http, runDue, startScheduler, useInstallation } from '../testing/detector-harness';

const ID = uniqueTestId('detector_claims');
const T0 = new Date('2025-03-01T12:20:00.000Z');
const MINUTE = 60_000;

describe('tick claims: a tick held by a replica that died is run, cron ticks survive restarts', () => {
  const target = new FakeHttpTarget();
  const clock = new FakeClock(T0);
  let bus: BusReader;
  let app: NestFastifyApplication | undefined;

  const hits = (path: string) => target.requests.filter((r) => r.path === path).length;
  const ticksOf = async (id: string) =>
    (await http(app!)('GET', `/api/v1/detectors/${id}/runs`, 'viewer-token-123'))
      .json<{ runs: Array<{ tick: string; status: string }> }>()
      .runs.map((r) => r.tick);

  beforeAll(async () => {
    await target.start();
    target.on('GET', '/svc', () => ({ body: { ok: true } })).on('GET', '/nightly', () => ({ body: { ok: true } }));
    bus = await useInstallation(ID, {
      'detectors.yaml': `
detectors:
  - { id: svc, type: http, url: '${target.url}/svc', interval: 1h, timeout: 10s }
  - { id: hourly, type: http, url: '${target.url}/nightly', cron: '0 * * * *' }
`,
    });
  });

  afterAll(async () => {
    await closeInstallation(ID, [app], bus);
    await target.stop();
  });

  it('a cron detector runs the tick that came due before start-up, and a restart does not run it again', async () => {
    app = await startScheduler(clock);
    await runDue(app);
    expect(hits('/nightly')).toBe(1);
    expect(await ticksOf('hourly')).toEqual(['2025-03-01T12:00:00.000Z']);
    await app.close();

    await clock.advance(20 * MINUTE); // 12:40: a restart within the same cron period
    app = await startScheduler(clock);
    await runDue(app);
    expect(hits('/nightly')).toBe(1);
    await clock.advance(20 * MINUTE); // 13:00
    await runDue(app);
    expect(hits('/nightly')).toBe(2);
    expect(await ticksOf('hourly')).toEqual(['2025-03-01T13:00:00.000Z', '2025-03-01T12:00:00.000Z']);
  });

  it('a tick claimed by a replica that died mid-check stays due, and is run once the claim expires', async () => {
    await clock.advance(60 * MINUTE); // 14:00: a new interval tick for svc
    const tick = new Date('2025-03-01T14:00:00.000Z');
    // Another replica claimed 14:00 (its committed 'running' row) and died before storing the result.
    const dataSource = app!.get(DataSource);
    await dataSource.query(
      `INSERT INTO "${ID}".detector_runs (run_id, detector_id, tick, trigger, status, started_at, claim_token, claimed_until)
       VALUES ('dead-replica-run', 'svc', $1, 'schedule', 'running', $1, 'dead-replica', $2)`,
      [tick, new Date(tick.getTime() + 40_000)],
    );
    const before = hits('/svc');
    const svcRuns = async () => (await runDue(app!)).filter((r) => r.detector.id === 'svc');
    expect(await svcRuns()).toEqual([]); // busy: the claim is live
    await clock.advance(20_000);
    expect(await svcRuns()).toEqual([]); // still live: asked again, not settled
    expect(hits('/svc')).toBe(before);

    await clock.advance(30_000); // 14:00:50, past the dead claim
    const records = await svcRuns();
    expect(records.map((r) => [r.detector.id, r.tick.toISOString(), r.outcome.status])).toEqual([['svc', tick.toISOString(), 'pass']]);
    expect(hits('/svc')).toBe(before + 1);
    expect(await svcRuns()).toEqual([]); // stored: settled, not run again
    expect(hits('/svc')).toBe(before + 1);
    const rows = (await dataSource.query(`SELECT status FROM "${ID}".detector_runs WHERE detector_id = 'svc' AND tick = $1`, [
      tick,
    ])) as Array<{
      status: string;
    }>;
    expect(rows).toEqual([{ status: 'pass' }]);
    expect(
      (await bus.events('detectors.result')).filter((e) => e.data.detectorId === 'svc' && e.data.startedAt >= tick.toISOString()),
    ).toHaveLength(1);
  });
});
