import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { alertFingerprint, streamName } from '@firebreak/contracts';
import { FakeClock, FakeHttpTarget, freePort, uniqueTestId } from '@firebreak/testing';
import { BusReader, closeInstallation, http, startScheduler, useInstallation } from '../testing/detector-harness';

const ID = uniqueTestId('detector_checks');

const config = (target: string, closedPort: number) => `
detectors:
  - { id: web-ok, type: http, url: '${target}/health', interval: 1h, expect: { status: 200, body: [{ path: status, equals: ok }, { matches: '"checks"' }] } }
  - { id: web-status, type: http, url: '${target}/broken', interval: 1h, severity: critical }
  - { id: web-body, type: http, url: '${target}/health', interval: 1h, expect: { body: [{ path: '$.checks[0].state', equals: up }] } }
  - { id: web-slow, type: http, url: '${target}/slow', interval: 1h, expect: { maxLatency: 100ms } }
  - { id: web-down, type: http, url: 'http://127.0.0.1:${closedPort}/', interval: 1h }
  - { id: web-timeout, type: http, url: '${target}/slow', interval: 1h, timeout: 50ms }
  - { id: db-size, type: postgres_size, expect: '< 1TB', interval: 1h }
  - { id: table-size, type: postgres_size, table: '${ID}.detector_runs', expect: '< 1KB', interval: 1h }
  - { id: missing-table, type: postgres_size, table: nowhere.nothing, expect: '< 1KB', interval: 1h }
  - { id: named-size, type: postgres_size, connection: firebreak, expect: '>= 1', interval: 1h }
  - { id: lag, type: nats_consumer_lag, stream: FIREBREAK_ALERTS, consumer: probe-durable, expect: '< 2', interval: 1h }
  - { id: dlq-empty, type: nats_consumer_lag, stream: FIREBREAK_DLQ, expect: '== 0', interval: 1h }
  - { id: no-consumer, type: nats_consumer_lag, stream: FIREBREAK_ALERTS, consumer: nobody, expect: '< 2', interval: 1h }
  - { id: beat, type: heartbeat, window: 1m, interval: 1h }
  - { id: sql-one, type: sql, connection: firebreak, query: 'SELECT 41 + 1', expect: '== 42', interval: 1h }
  - { id: sql-write, type: sql, connection: firebreak, query: 'CREATE TABLE ${ID}.sneaky (x int)', expect: '== 0', interval: 1h }
  - { id: sql-none, type: sql, connection: firebreak, query: 'SELECT 1 WHERE false', expect: '== 1', onNoData: alert, failureThreshold: 5, interval: 1h }
  - { id: prom, type: prometheus, url: '${target}', query: 'up{job="api"}', expect: '== 1', interval: 1h }
  - { id: prom-empty, type: prometheus, url: '${target}', query: absent_metric, expect: '== 1', onNoData: ok, interval: 1h }
  - { id: off, type: heartbeat, window: 1m, interval: 1h, enabled: false }
  - { id: sql-smuggle, type: sql, connection: firebreak, query: 'SELECT 1; COMMIT; CREATE TABLE ${ID}.smuggled (x int)', expect: '== 1', interval: 1h }
  - { id: sql-cte-write, type: sql, connection: firebreak, query: "WITH w AS (INSERT INTO ${ID}.heartbeats (detector_id, registered_at) VALUES ('smuggled', now()) RETURNING 1) SELECT count(*) FROM w", expect: '== 1', interval: 1h }
  - { id: web-query-secret, type: http, url: '${target}/health?token=s3cret-q&page=2', interval: 1h }
  - id: web-user-secret
    type: http
    url: 'http://robot:s3cret-u@127.0.0.1:${closedPort}/hook'
    method: POST
    headers: { Authorization: 'Bearer s3cret-h', X-Tenant: 's3cret-t' }
    body: '{"apiKey": "s3cret-b"}'
    interval: 1h
`;

interface RunAnswer {
  status: string;
  total_checks: number;
  passed: number;
  failed: number;
  results: Array<{
    detector: string;
    ok: boolean;
    severity: string;
    msg: string;
    fingerprint: string;
    extras: Record<string, unknown>;
    status: string;
    alert: string | null;
  }>;
}

describe('detector types against real targets', () => {
  const target = new FakeHttpTarget();
  const clock = new FakeClock(new Date('2025-03-01T12:00:00.000Z'));
  let bus: BusReader;
  let app: NestFastifyApplication;
  let call: ReturnType<typeof http>;

  const run = async (id: string) => {
    const response = await call('POST', `/api/v1/detectors/${id}/run`, 'operator-token-1');
    expect(response.statusCode).toBe(200);
    const body = response.json<RunAnswer>();
    expect(body).toMatchObject({ status: 'completed', total_checks: 1 });
    return body.results[0];
  };

  beforeAll(async () => {
    await target.start();
    target
      .on('GET', '/health', () => ({ body: { status: 'ok', checks: [{ name: 'db', state: 'down' }] } }))
      .on('GET', '/broken', () => ({ status: 503, body: { error: 'maintenance' } }))
      .on('GET', '/slow', () => ({ delayMs: 300, body: { status: 'ok' } }))
      .on('POST', '/api/v1/query', (request) => {
        const query = new URLSearchParams(request.rawBody).get('query');
        if (query === 'absent_metric') return { body: { status: 'success', data: { resultType: 'vector', result: [] } } };
        return {
          body: {
            status: 'success',
            data: {
              resultType: 'vector',
              result: [
                { metric: { instance: 'a' }, value: [1, '1'] },
                { metric: { instance: 'b' }, value: [1, '0'] },
              ],
            },
          },
        };
      });
    bus = await useInstallation(ID, {
      'detectors.yaml': config(target.url, await freePort()),
      'connections.yaml': 'connections:\n  - { name: firebreak, serviceDatabase: true, readOnly: true }\n',
    });
    app = await startScheduler(clock);
    call = http(app);
  });

  afterAll(async () => {
    await closeInstallation(ID, [app], bus);
    await target.stop();
  });

  it('http: status, JSON path equality, RE2 body regex, latency, refused connection and timeout', async () => {
    expect(await run('web-ok')).toMatchObject({ ok: true, severity: 'info', status: 'pass', extras: { status: 200 } });
    expect(await run('web-status')).toMatchObject({
      ok: false,
      severity: 'critical',
      status: 'fail',
      msg: expect.stringContaining('status 503, expected 2xx'),
    });
    expect(await run('web-body')).toMatchObject({ ok: false, msg: expect.stringContaining('$.checks[0].state is "down", expected "up"') });
    const slow = await run('web-slow');
    expect(slow).toMatchObject({ ok: false, msg: expect.stringMatching(/took \d+(\.\d+)? ms, over 100 ms/) });
    expect(slow.extras.value).toBeGreaterThanOrEqual(250);
    expect(await run('web-down')).toMatchObject({ ok: false, status: 'error', msg: expect.stringContaining('ECONNREFUSED') });
    expect(await run('web-timeout')).toMatchObject({ ok: false, status: 'error', msg: 'timed out after 50 ms' });
  });

  it('postgres_size: the database, a table, a missing table, and a named connection', async () => {
    const db = await run('db-size');
    expect(db).toMatchObject({ ok: true, extras: { database: 'postgres' } });
    expect(db.extras.bytes).toBeGreaterThan(1_000_000);
    const table = await run('table-size');
    expect(table).toMatchObject({ ok: false, status: 'fail', msg: expect.stringContaining(`table ${ID}.detector_runs is`) });
    expect(table.extras.bytes).toBeGreaterThanOrEqual(8192);
    expect(await run('missing-table')).toMatchObject({ ok: false, status: 'error', msg: 'table nowhere.nothing was not found' });
    expect(await run('named-size')).toMatchObject({ ok: true });
  });

  it('nats_consumer_lag: the pending messages of a real durable consumer, a stream that holds nothing, a missing consumer', async () => {
    const stream = streamName('FIREBREAK_ALERTS', ID);
    const subject = `${ID}.alerts.probe`;
    await bus.connection.jsm.consumers.add(stream, {
      durable_name: 'probe-durable',
      ack_policy: 'explicit' as never,
      filter_subject: subject,
    });
    expect(await run('lag')).toMatchObject({ ok: true, extras: { pending: 0, value: 0 } });
    for (let i = 0; i < 3; i++) await bus.connection.js.publish(subject, JSON.stringify({ n: i }));
    expect(await run('lag')).toMatchObject({
      ok: false,
      status: 'fail',
      msg: 'consumer probe-durable has 3 pending, expected < 2',
      extras: { pending: 3 },
    });
    expect(await run('dlq-empty')).toMatchObject({ ok: true, extras: { messages: 0 } });
    expect(await run('no-consumer')).toMatchObject({ ok: false, status: 'error', msg: expect.stringContaining('consumer nobody') });
  });

  it('heartbeat: a beat posted keeps it passing, a beat missed past the window fails; unknown ids are 404', async () => {
    // Never beaten: the window counts from the first check (grace on a fresh install).
    expect(await run('beat')).toMatchObject({ ok: true, msg: expect.stringContaining('no heartbeat since the detector started') });
    const beat = await call('POST', '/api/v1/heartbeats/beat', 'operator-token-1');
    expect(beat.statusCode).toBe(200);
    expect(beat.json()).toMatchObject({ detector: 'beat', beats: 1, lastBeatAt: clock.now().toISOString() });
    await clock.advance(30_000);
    expect(await run('beat')).toMatchObject({ ok: true, extras: { value: 30 } });
    await clock.advance(45_000);
    expect(await run('beat')).toMatchObject({ ok: false, status: 'fail', msg: 'last heartbeat 75 s ago, over the 60 s window' });
    expect((await call('POST', '/api/v1/heartbeats/beat', 'operator-token-1')).statusCode).toBe(200);
    expect(await run('beat')).toMatchObject({ ok: true });

    expect((await call('POST', '/api/v1/heartbeats/nope', 'operator-token-1')).statusCode).toBe(404);
    expect((await call('POST', '/api/v1/heartbeats/web-ok', 'operator-token-1')).statusCode).toBe(404);
    expect((await call('POST', '/api/v1/heartbeats/beat', 'viewer-token-123')).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/heartbeats/beat')).statusCode).toBe(401);
    // A disabled heartbeat detector: 409, and nothing recorded for it.
    const off = await call('POST', '/api/v1/heartbeats/off', 'operator-token-1');
    expect(off.statusCode).toBe(409);
    expect(off.json()).toMatchObject({ error: { code: 'detector_disabled' } });
  });

  it('sql: several statements are refused (no COMMIT out of the read-only transaction), a writing CTE is refused', async () => {
    const smuggle = await run('sql-smuggle');
    expect(smuggle).toMatchObject({ ok: false, status: 'error', msg: expect.stringContaining('multiple commands') });
    expect(await run('sql-cte-write')).toMatchObject({ ok: false, status: 'error', msg: expect.stringContaining('read-only transaction') });
    const dataSource = app.get(DataSource);
    const [{ smuggled }] = (await dataSource.query('SELECT to_regclass($1)::text AS smuggled', [`${ID}.smuggled`])) as Array<{
      smuggled: string | null;
    }>;
    expect(smuggled).toBeNull();
    expect(await dataSource.query(`SELECT 1 FROM "${ID}".heartbeats WHERE detector_id = 'smuggled'`)).toEqual([]);
  });

  it('secrets in URLs, headers and bodies reach neither viewers nor run messages (alert summaries)', async () => {
    const query = await run('web-query-secret');
    expect(query).toMatchObject({ ok: true, msg: expect.stringContaining(`GET ${target.url}/health?token=***&page=***`) });
    const user = await run('web-user-secret');
    expect(user).toMatchObject({ ok: false, status: 'error', msg: expect.stringContaining(`POST http://***:***@127.0.0.1:`) });
    const list = await call('GET', '/api/v1/detectors', 'viewer-token-123');
    const runs = await call('GET', '/api/v1/detectors/web-user-secret/runs', 'viewer-token-123');
    const results = await bus.waitForEvents('detectors.result', 1, (e) => e.data.detectorId === 'web-user-secret');
    for (const text of [list.body, runs.body, JSON.stringify(query), JSON.stringify(user), JSON.stringify(results)])
      expect(text).not.toMatch(/s3cret/);
    const views = list.json<{ detectors: Array<Record<string, unknown>> }>().detectors;
    expect(views.find((d) => d.id === 'web-user-secret')).toMatchObject({
      url: expect.stringContaining('http://***:***@127.0.0.1:'),
      headers: { Authorization: '***', 'X-Tenant': '***' },
      body: '***',
    });
    expect(views.find((d) => d.id === 'web-query-secret')).toMatchObject({ url: `${target.url}/health?token=***&page=***` });
  });

  it('sql: one number compared, a statement that writes refused by the read-only transaction, no data raising the alert at once', async () => {
    expect(await run('sql-one')).toMatchObject({ ok: true, extras: { value: 42 } });
    expect(await run('sql-write')).toMatchObject({ ok: false, status: 'error', msg: expect.stringContaining('read-only transaction') });
    const none = await run('sql-none');
    expect(none).toMatchObject({ ok: false, status: 'fail', alert: 'raised', msg: expect.stringContaining('no data: alert') });
    const fingerprint = alertFingerprint({ alertname: 'sql-none', detector: 'sql-none', severity: 'warning' });
    expect(none.fingerprint).toBe(fingerprint);
    const [alert] = await bus.waitForEvents('alerts.received', 1, (e) => e.data.alert.fingerprint === fingerprint);
    expect(alert.data).toMatchObject({
      source: 'detector',
      alert: { status: 'firing', labels: { alertname: 'sql-none', detector: 'sql-none' } },
    });
  });

  it('prometheus: every sample must satisfy expect; no samples follow onNoData', async () => {
    const prom = await run('prom');
    expect(prom).toMatchObject({ ok: false, status: 'fail', msg: '1 of 2 sample(s) not == 1: 0 for {instance="b"}', extras: { value: 0 } });
    const request = target.requests.find((r) => r.path === '/api/v1/query')!;
    expect(new URLSearchParams(request.rawBody).get('query')).toBe('up{job="api"}');
    expect(await run('prom-empty')).toMatchObject({ ok: true, msg: expect.stringContaining('no data: ok') });
  });

  it('every run is stored and announced on detectors.result', async () => {
    const results = await bus.waitForEvents('detectors.result', 1, (e) => e.data.detectorId === 'web-status');
    expect(results[0].data).toMatchObject({ kind: 'http', status: 'failing', labels: { detector: 'web-status', severity: 'critical' } });
    // The scheduled run of the tick at start-up, and the one asked for above.
    const runs = (await call('GET', '/api/v1/detectors/web-ok/runs', 'viewer-token-123')).json<{ runs: Array<{ trigger: string }> }>().runs;
    expect(runs.map((r) => r.trigger).sort()).toEqual(['manual', 'schedule']);
    expect(runs.find((r) => r.trigger === 'manual')).toMatchObject({ status: 'pass', actor: 'olga' });
    expect((await bus.events('detectors.result')).filter((e) => e.data.detectorId === 'web-ok')).toHaveLength(2);
  });

  it('POST /detectors/run (admin) runs every enabled detector with seed 004’s shape', async () => {
    const response = await call('POST', '/api/v1/detectors/run', 'admin-token-1234');
    expect(response.statusCode).toBe(200);
    const body = response.json<RunAnswer>();
    expect(body.total_checks).toBe(23);
    expect(body.passed + body.failed).toBe(23);
    expect(body.results.map((r) => r.detector)).not.toContain('off');
    for (const result of body.results)
      expect(Object.keys(result)).toEqual(expect.arrayContaining(['ok', 'severity', 'msg', 'fingerprint', 'extras']));
    expect((await call('POST', '/api/v1/detectors/off/run', 'operator-token-1')).statusCode).toBe(409);
  });
});
