import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { alertFingerprint, deriveEventId } from '@firebreak/contracts';
import { FakeClock, FakeHttpTarget, uniqueTestId } from '@firebreak/testing';
import { BusReader, closeInstallation, http, runDue, startScheduler, useInstallation } from '../testing/detector-harness';

const ID = uniqueTestId('detector_scheduling');
const MINUTE = 60_000;
const T0 = new Date('2025-03-01T12:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE).toISOString();

interface RunView {
  runId: string;
  tick: string;
  trigger: string;
  status: string;
  alert: string | null;
}

describe('scheduled runs: one per tick across replicas, hysteresis, alerts on the bus', () => {
  const target = new FakeHttpTarget();
  const clock = new FakeClock(T0);
  let status = 200;
  let bus: BusReader;
  let replicas: NestFastifyApplication[] = [];
  const fingerprint = alertFingerprint({ team: 'ops', alertname: 'SvcDown', detector: 'svc', severity: 'error' });

  /** Moves the shared clock and lets every replica poll at once, as their pollers would. */
  const tick = async (minutes = 1) => {
    await clock.advance(minutes * MINUTE);
    const records = await Promise.all(replicas.map((app) => runDue(app)));
    return records.flat();
  };

  beforeAll(async () => {
    await target.start();
    target.on('GET', '/svc', () => ({ status, body: { status: status === 200 ? 'ok' : 'down' } }));
    bus = await useInstallation(ID, {
      'detectors.yaml': `
detectors:
  - id: svc
    name: SvcDown
    type: http
    url: '${target.url}/svc'
    interval: 1m
    severity: error
    failureThreshold: 2
    successThreshold: 2
    labels: { team: ops }
    annotations: { summary: 'svc answered {{extras.status}}', automation_runbook: service_unavailable }
`,
    });
    // Two replicas of the scheduler on one installation and one clock.
    replicas = [await startScheduler(clock), await startScheduler(clock)];
    await Promise.all(replicas.map((app) => runDue(app)));
  });

  afterAll(async () => {
    await closeInstallation(ID, replicas, bus);
    await target.stop();
  });

  it('runs each tick once whatever the number of replicas, fires after failureThreshold and resolves after successThreshold', async () => {
    status = 500;
    expect((await tick()).map((r) => r.alert)).toEqual([null]); // 12:01 first failure: below the threshold
    expect((await tick()).map((r) => r.alert)).toEqual(['raised']); // 12:02 second failure
    expect((await tick()).map((r) => r.alert)).toEqual([null]); // 12:03 still failing: no second alert
    status = 200;
    expect((await tick()).map((r) => r.alert)).toEqual([null]); // 12:04 first pass
    expect((await tick()).map((r) => r.alert)).toEqual(['resolved']); // 12:05 second pass

    const alerts = await bus.waitForEvents('alerts.received', 2, (e) => e.subject === fingerprint);
    expect(alerts.map((e) => [e.data.alert.status, e.data.alert.startsAt, e.data.alert.endsAt])).toEqual([
      ['firing', at(1), null],
      ['resolved', at(1), at(5)],
    ]);
    expect(alerts.map((e) => e.id)).toEqual([
      deriveEventId('detector', fingerprint, 'firing', at(1), null),
      deriveEventId('detector', fingerprint, 'resolved', at(1), at(5)),
    ]);
    expect(alerts[0].data).toMatchObject({
      source: 'detector',
      alert: {
        fingerprint,
        severity: 'error',
        labels: { alertname: 'SvcDown', detector: 'svc', team: 'ops', severity: 'error' },
        annotations: { summary: 'svc answered 500', automation_runbook: 'service_unavailable' },
      },
    });
    expect(alerts[1].data.alert.annotations.summary).toBe('svc answered 200');

    // Six ticks (12:00 … 12:05), each run and announced once although two replicas polled every one.
    const runs = (await http(replicas[0])('GET', '/api/v1/detectors/svc/runs', 'viewer-token-123')).json<{ runs: RunView[] }>().runs;
    expect(runs.map((r) => r.tick)).toEqual([at(5), at(4), at(3), at(2), at(1), at(0)]);
    expect(runs.map((r) => r.status)).toEqual(['pass', 'pass', 'fail', 'fail', 'fail', 'pass']);
    const results = await bus.waitForEvents('detectors.result', 6);
    expect(results).toHaveLength(6);
    expect(new Set(results.map((e) => e.data.runId)).size).toBe(6);
    expect(target.requests.filter((r) => r.path === '/svc')).toHaveLength(6);
  });

  it('a flapping target neither fires nor resolves before its thresholds', async () => {
    for (const code of [500, 200, 500, 200]) {
      status = code;
      expect((await tick()).map((r) => r.alert)).toEqual([null]);
    }
    const list = (await http(replicas[1])('GET', '/api/v1/detectors', 'viewer-token-123')).json<{
      detectors: Array<{ id: string; fingerprint: string; state: Record<string, unknown>; lastResult: { status: string } }>;
    }>();
    expect(list.detectors[0]).toMatchObject({
      id: 'svc',
      fingerprint,
      state: { status: 'ok', alerting: false, consecutivePasses: 1, consecutiveFailures: 0 },
      lastResult: { status: 'pass' },
    });
  });

  it('a tick already run is not run again when replicas poll again at the same time', async () => {
    const before = target.requests.length;
    await Promise.all(replicas.map((app) => runDue(app)));
    await Promise.all(replicas.map((app) => runDue(app)));
    expect(target.requests.length).toBe(before);
  });
});

describe('the detectors API refuses what it must', () => {
  const ID2 = uniqueTestId('detector_api');
  let bus: BusReader;
  let app: NestFastifyApplication;
  let call: ReturnType<typeof http>;

  beforeAll(async () => {
    bus = await useInstallation(ID2, { 'detectors.yaml': 'detectors:\n  - { id: beat, type: heartbeat, window: 1h, interval: 1h }\n' });
    app = await startScheduler(new FakeClock(T0));
    call = http(app);
  });

  afterAll(() => closeInstallation(ID2, [app], bus));

  it('401 without a token, 403 below the role', async () => {
    expect((await call('GET', '/api/v1/detectors')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/detectors/beat/runs')).statusCode).toBe(401);
    expect((await call('POST', '/api/v1/detectors/run', 'operator-token-1')).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/detectors/beat/run', 'viewer-token-123')).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/detectors', 'viewer-token-123')).statusCode).toBe(200);
  });

  it.each([
    ['a limit out of range', '/api/v1/detectors/beat/runs?limit=0', 400],
    ['a limit that is not a number', '/api/v1/detectors/beat/runs?limit=lots', 400],
    ['an unknown parameter', '/api/v1/detectors/beat/runs?sort=asc', 400],
    ['a cursor the API never gave', '/api/v1/detectors/beat/runs?cursor=bm9wZQ', 400],
    ['a cursor of the wrong shape', `/api/v1/detectors/beat/runs?cursor=${Buffer.from('["x", 1]').toString('base64url')}`, 400],
    ['an unknown detector', '/api/v1/detectors/nope/runs', 404],
    ['a malformed id', '/api/v1/detectors/%20bad/runs', 400],
  ])('%s (%s) is a %s, never a 500', async (_what, url, expected) => {
    const response = await call('GET', url, 'viewer-token-123');
    expect(response.statusCode).toBe(expected);
    expect(response.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  });

  it('pages runs newest first with a strict cursor, without overlap', async () => {
    for (let i = 0; i < 4; i++) expect((await call('POST', '/api/v1/detectors/beat/run', 'operator-token-1')).statusCode).toBe(200);
    const first = (await call('GET', '/api/v1/detectors/beat/runs?limit=3', 'viewer-token-123')).json<{
      runs: RunView[];
      nextCursor: string;
    }>();
    expect(first.runs).toHaveLength(3);
    const second = (await call('GET', `/api/v1/detectors/beat/runs?limit=3&cursor=${first.nextCursor}`, 'viewer-token-123')).json<{
      runs: RunView[];
      nextCursor: string | null;
    }>();
    expect(second.runs).toHaveLength(2); // four manual runs and the scheduled one at start-up
    expect(second.nextCursor).toBeNull();
    expect(new Set([...first.runs, ...second.runs].map((r) => r.runId)).size).toBe(5);
  });
});
