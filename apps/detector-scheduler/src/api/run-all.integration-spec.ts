import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource, QueryRunner } from 'typeorm';
import { FakeClock, uniqueTestId } from '@firebreak/testing';
import { BusReader, closeInstallation, http, runDue, startScheduler, useInstallation } from '../testing/detector-harness';

const ID = uniqueTestId('detector_run_all');
const SIZES = 24;

// The reviewer's case: many postgres_size detectors on Firebreak's own database, an sql one and a
// heartbeat, all run at once through POST /detectors/run against a pool of 20 connections.
const config = `
detectors:
${Array.from({ length: SIZES }, (_, i) => `  - { id: size-${i}, type: postgres_size, expect: '< 1TB', interval: 1h }`).join('\n')}
  - { id: sql-one, type: sql, connection: firebreak, query: 'SELECT 1', expect: '== 1', interval: 1h }
  - { id: beat, type: heartbeat, window: 1h, interval: 1h }
`;

describe('POST /detectors/run and Firebreak’s own Postgres', () => {
  let bus: BusReader;
  let app: NestFastifyApplication;
  let call: ReturnType<typeof http>;

  beforeAll(async () => {
    bus = await useInstallation(
      ID,
      { 'detectors.yaml': config, 'connections.yaml': 'connections:\n  - { name: firebreak, serviceDatabase: true, readOnly: true }\n' },
      { FIREBREAK_DETECTOR_CONCURRENCY: '8' },
    );
    app = await startScheduler(new FakeClock(new Date('2025-03-01T12:00:00.000Z')));
    call = http(app);
    await runDue(app);
  });

  afterAll(() => closeInstallation(ID, [app], bus));

  it('runs every enabled detector within the concurrency limit: all stored, all pass, no alert', async () => {
    const response = await call('POST', '/api/v1/detectors/run', 'admin-token-1234');
    expect(response.statusCode).toBe(200);
    const body = response.json<{ total_checks: number; passed: number; results: Array<{ ok: boolean; msg: string }> }>();
    expect(body.total_checks).toBe(SIZES + 2);
    expect(body.results.filter((r) => !r.ok)).toEqual([]);
    expect(body.passed).toBe(SIZES + 2);
    expect(await bus.events('alerts.received')).toEqual([]);
  });

  it('a pool with no connection to give is a 503 naming what was not run; nothing stored, never a failed run or an alert', async () => {
    const dataSource = app.get(DataSource);
    const runsBefore = (await call('GET', '/api/v1/detectors/size-0/runs', 'viewer-token-123')).json<{ runs: unknown[] }>().runs.length;
    // Every connection of the service's pool taken (as a burst of other work would).
    const held: QueryRunner[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        const runner = dataSource.createQueryRunner();
        await runner.connect();
        held.push(runner);
      }
      const [size, beat] = await Promise.all([
        call('POST', '/api/v1/detectors/size-0/run', 'operator-token-1'),
        call('POST', '/api/v1/detectors/beat/run', 'operator-token-1'),
      ]);
      for (const [response, id] of [
        [size, 'size-0'],
        [beat, 'beat'],
      ] as const) {
        expect(response.statusCode).toBe(503);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.json()).toMatchObject({ error: { code: 'unavailable', details: { stored: [], notRun: [id] } } });
      }
    } finally {
      for (const runner of held) await runner.release();
    }
    const runs = (await call('GET', '/api/v1/detectors/size-0/runs', 'viewer-token-123')).json<{ runs: Array<{ status: string }> }>().runs;
    expect(runs).toHaveLength(runsBefore);
    expect(runs.every((r) => r.status === 'pass')).toBe(true);
    const list = (await call('GET', '/api/v1/detectors', 'viewer-token-123')).json<{
      detectors: Array<{ id: string; state: { status: string; consecutiveFailures: number } }>;
    }>();
    for (const id of ['size-0', 'beat'])
      expect(list.detectors.find((d) => d.id === id)?.state).toMatchObject({ status: 'ok', consecutiveFailures: 0 });
    expect(await bus.events('alerts.received')).toEqual([]);
  });
});
