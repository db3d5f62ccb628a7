import { receiptId } from './alert-ingest.service';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { uniqueTestId } from '@firebreak/testing';
import { BusProbe, http, ManualClock, processed, startMapper, closeInstallation, useInstallation } from '../testing/mapper-harness';

const MINUTE = 60_000;
const OPERATOR = 'operator-token-1';
const VIEWER = 'viewer-token-1';
const ADMIN = 'admin-token-1';

describe('mapper: the alert API (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_api');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: ManualClock;
  let db: DataSource;
  let call: ReturnType<typeof http>;

  beforeAll(async () => {
    bus = await useInstallation(id, {
      tokens: `${OPERATOR}:operator:otto,${VIEWER}:viewer:vera,${ADMIN}:admin:ada`,
      config: {
        'mappings.yaml': 'alertnames:\n  ServiceDown: service_unavailable\nrules:\n  - matchers: [\'team="db"\']\n    runbook: db_triage\n',
        'escalation.yaml': 'escalation:\n  critical: 5m\n  info: none\n',
      },
    });
    app = await startMapper();
    clock = new ManualClock(app, new Date());
    db = app.get(DataSource);
    call = http(app);
  });

  afterAll(() => closeInstallation(id, app, bus));

  async function send(labels: Record<string, string>, options: { startsAt?: Date; status?: 'firing' | 'resolved' } = {}) {
    const event = await bus.publishAlert({
      labels,
      startsAt: options.startsAt ?? clock.now(),
      receivedAt: clock.now(),
      status: options.status,
      endsAt: clock.now(),
    });
    await processed(app, receiptId(event));
    return event.data.alert.fingerprint;
  }
  const timers = async (fingerprint: string): Promise<number> =>
    (await db.query(`SELECT count(*)::int AS n FROM "${id}".escalation_timers WHERE fingerprint = $1`, [fingerprint]))[0].n;
  const list = async (query: string, token = VIEWER) =>
    (await call('GET', `/api/v1/alerts?${query}`, token)).json<{
      items: Array<{ fingerprint: string; status: string }>;
      nextCursor: string | null;
    }>();

  it('lists alerts newest first, filtered by status, severity, alertname and labels, page by page with an opaque cursor', async () => {
    const sent: string[] = [];
    const specs = [
      { alertname: 'A', severity: 'critical', team: 'db', env: 'prod' },
      { alertname: 'A', severity: 'warning', team: 'db', env: 'dev' },
      { alertname: 'B', severity: 'critical', team: 'web', env: 'prod' },
      { alertname: 'B', severity: 'info', team: 'web', env: 'dev' },
      { alertname: 'C', severity: 'error', team: 'db', env: 'prod' },
      { alertname: 'C', severity: 'critical', team: 'ops', env: 'prod' },
      { alertname: 'D', severity: 'warning', team: 'ops', env: 'dev' },
    ];
    for (const labels of specs) {
      clock.advance(1000);
      sent.push(await send({ ...labels, suite: 'listing' }));
    }
    clock.advance(1000);
    await send({ ...specs[3], suite: 'listing' }, { status: 'resolved', startsAt: new Date(clock.now().getTime() - 4000) });

    const pages: string[][] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page = await list(`label=suite=listing&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page.items.map((item) => item.fingerprint));
      cursor = page.nextCursor;
    }
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([...sent].reverse());

    const fingerprints = async (query: string) => (await list(`label=suite=listing&${query}`)).items.map((item) => item.fingerprint).sort();
    expect(await fingerprints('status=resolved')).toEqual([sent[3]]);
    expect(await fingerprints('status=firing,resolved')).toEqual([...sent].sort());
    expect(await fingerprints('severity=critical')).toEqual([sent[0], sent[2], sent[5]].sort());
    expect(await fingerprints('alertname=C')).toEqual([sent[4], sent[5]].sort());
    expect(await fingerprints('label=team=db&label=env=prod')).toEqual([sent[0], sent[4]].sort());
    expect(await fingerprints('severity=critical&status=firing&label=env=prod&alertname=B')).toEqual([sent[2]]);
  });

  it('answers a bad listing query with 400 naming the parameter, and asks for a token', async () => {
    const message = async (query: string) => {
      const response = await call('GET', `/api/v1/alerts?${query}`, VIEWER);
      expect(response.statusCode).toBe(400);
      return response.json().error.message as string;
    };
    expect(await message('limit=0')).toMatch(/^limit: must be 1 to 500/);
    expect(await message('limit=501')).toMatch(/^limit: must be 1 to 500/);
    expect(await message('cursor=bm9wZQ')).toMatch(/^cursor: is not a cursor/);
    expect(await message('status=firing,bogus')).toMatch(/^status\.1: /);
    expect(await message('severity=loud')).toMatch(/^severity: /);
    expect(await message('label=noequals')).toMatch(/^label\.0: must be name=value/);
    expect((await call('GET', '/api/v1/alerts')).statusCode).toBe(401);
  });

  it('shows one alert with its history, and answers 404 for an unknown fingerprint and 400 for a malformed one', async () => {
    const fingerprint = await send({ alertname: 'Single', severity: 'warning', html: '<b>x</b>' });
    const response = await call('GET', `/api/v1/alerts/${fingerprint}`, VIEWER);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      fingerprint,
      alertname: 'Single',
      status: 'firing',
      labels: { html: '<b>x</b>' },
      occurrences: 1,
      history: [{ action: 'opened', from: null, to: 'firing' }],
    });
    expect((await call('GET', '/api/v1/alerts/0123456789abcdef', VIEWER)).statusCode).toBe(404);
    // A lone surrogate would break jsonb (the audit details): it is kept as U+FFFD, not answered with a 500.
    const resolved = await call('POST', `/api/v1/alerts/${fingerprint}/resolve`, OPERATOR, { note: 'done \ud800' });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json().resolution.note).toBe('done \uFFFD');
    const malformed = await call('GET', '/api/v1/alerts/nope', VIEWER);
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.message).toMatch(/^fingerprint: /);
  });

  it('acknowledges and resolves through the API: roles checked, conflicts refused, announced, audited, escalation stopped', async () => {
    const startsAt = clock.now();
    const fingerprint = await send({ alertname: 'ServiceDown', service: 'auth', severity: 'critical' }, { startsAt });
    expect(await timers(fingerprint)).toBe(1);
    const ack = `/api/v1/alerts/${fingerprint}/acknowledge`;
    expect((await call('POST', ack, undefined, {})).statusCode).toBe(401);
    expect((await call('POST', ack, VIEWER, {})).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/alerts/0123456789abcdef/acknowledge', OPERATOR, {})).statusCode).toBe(404);
    expect((await call('POST', ack, OPERATOR, { note: 'x'.repeat(4001) })).json().error.message).toMatch(/^note: must be at most 4000/);
    expect((await call('POST', ack, OPERATOR, { note: 'ok', extra: 1 })).statusCode).toBe(400);

    const acked = await call('POST', ack, OPERATOR, { note: 'looking <now>' });
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toMatchObject({ status: 'acknowledged', acknowledgement: { by: 'otto', note: 'looking <now>' } });
    expect(await timers(fingerprint)).toBe(0);
    const conflict = await call('POST', ack, OPERATOR, {});
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error).toMatchObject({ code: 'conflict', details: { status: 'acknowledged' } });

    clock.advance(10 * MINUTE);
    await send({ alertname: 'ServiceDown', service: 'auth', severity: 'critical' }, { startsAt });
    const resolved = await call('POST', `/api/v1/alerts/${fingerprint}/resolve`, OPERATOR, { note: 'restarted' });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolution: { by: 'otto', note: 'restarted' } });
    expect((await call('POST', `/api/v1/alerts/${fingerprint}/resolve`, OPERATOR)).statusCode).toBe(409);
    expect((await call('POST', ack, OPERATOR)).statusCode).toBe(409);

    const notes = await bus.waitForEvents('alerts.notify', fingerprint, 3);
    expect(notes.map((event) => [event.data.kind, event.data.actor, event.data.note])).toEqual([
      ['firing', undefined, undefined],
      ['acknowledged', 'otto', 'looking <now>'],
      ['resolved', 'otto', 'restarted'],
    ]);
    const moves = await bus.waitForEvents('alerts.state.changed', fingerprint, 3);
    expect(moves.map((event) => [event.data.from, event.data.to, event.data.actor])).toEqual([
      [null, 'firing', undefined],
      ['firing', 'acknowledged', 'otto'],
      ['acknowledged', 'resolved', 'otto'],
    ]);

    // Alertmanager still sends the old episode as firing: the resolution by hand holds.
    clock.advance(MINUTE);
    await send({ alertname: 'ServiceDown', service: 'auth', severity: 'critical' }, { startsAt });
    const detail = (await call('GET', `/api/v1/alerts/${fingerprint}`, VIEWER)).json();
    expect(detail.status).toBe('resolved');
    expect(detail.history.map((entry: { action: string }) => entry.action)).toEqual([
      'opened',
      'acknowledged',
      'resolved',
      'stale_ignored',
    ]);
    const audit = await db.query(`SELECT actor, action, details FROM "${id}".audit_log WHERE target = $1 ORDER BY id`, [fingerprint]);
    expect(audit).toEqual([
      { actor: 'otto', action: 'alert.acknowledge', details: { from: 'firing', note: 'looking <now>' } },
      { actor: 'otto', action: 'alert.resolve', details: { from: 'acknowledged', note: 'restarted' } },
    ]);
  });

  it('reports integration status: automation on, mappings in force, runbooks requested by runbook', async () => {
    const before = (await call('GET', '/api/v1/integration-status', VIEWER)).json();
    await send({ alertname: 'Replication', team: 'db', severity: 'warning' });
    const status = (await call('GET', '/api/v1/integration-status', VIEWER)).json();
    expect(status.automation).toEqual({ enabled: true });
    expect(status.escalation).toEqual({ critical: '5m' });
    expect(status.mappings).toMatchObject({
      precedence: ['annotation', 'runtime', 'file_alertname', 'file_rule'],
      annotation: 'automation_runbook',
      file: { alertnames: { ServiceDown: 'service_unavailable' }, rules: [{ matchers: ['team="db"'], runbook: 'db_triage' }] },
      runtime: [],
    });
    expect(status.requests.byRunbook.db_triage.byStatus.requested).toBe((before.requests.byRunbook.db_triage?.byStatus.requested ?? 0) + 1);
    expect(status.requests.total).toBe(before.requests.total + 1);
    expect((await call('GET', '/api/v1/integration-status')).statusCode).toBe(401);
  });

  it('asks the same role for both views of the mappings in force: viewer for GET /mappings and GET /integration-status', async () => {
    const VIEWER_ONLY_NO_ROLE = 'nobody-token-1';
    for (const path of ['/api/v1/mappings', '/api/v1/integration-status']) {
      expect({ path, status: (await call('GET', path)).statusCode }).toEqual({ path, status: 401 });
      expect({ path, status: (await call('GET', path, VIEWER_ONLY_NO_ROLE)).statusCode }).toEqual({ path, status: 401 });
      for (const token of [VIEWER, OPERATOR, ADMIN])
        expect({ path, token, status: (await call('GET', path, token)).statusCode }).toEqual({ path, token, status: 200 });
    }
    // Both show the same mappings.
    const listed = (await call('GET', '/api/v1/mappings', VIEWER)).json();
    expect((await call('GET', '/api/v1/integration-status', VIEWER)).json().mappings).toEqual(listed);
    // Changing them stays admin's: a viewer or an operator is refused.
    for (const token of [VIEWER, OPERATOR]) {
      expect((await call('PUT', '/api/v1/mappings/X', token, { runbookId: 'y' })).statusCode).toBe(403);
      expect((await call('DELETE', '/api/v1/mappings/X', token)).statusCode).toBe(403);
    }
  });

  it('guards the mappings API with the admin role and validates it', async () => {
    expect((await call('PUT', '/api/v1/mappings/X', OPERATOR, { runbookId: 'y' })).statusCode).toBe(403);
    const bad = await call('PUT', '/api/v1/mappings/X', ADMIN, { runbookId: 'rm -rf /' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^runbookId: must be a runbook id/);
    const put = await call('PUT', '/api/v1/mappings/Weird%3Cname%3E', ADMIN, { runbookId: 'weird_fix' });
    expect(put.json()).toMatchObject({ alertname: 'Weird<name>', runbookId: 'weird_fix', updatedBy: 'ada' });
    expect((await call('GET', '/api/v1/mappings', ADMIN)).json().runtime).toEqual([
      expect.objectContaining({ alertname: 'Weird<name>', runbookId: 'weird_fix' }),
    ]);
    expect((await call('DELETE', '/api/v1/mappings/Weird%3Cname%3E', ADMIN)).statusCode).toBe(204);
    expect((await call('DELETE', '/api/v1/mappings/Weird%3Cname%3E', ADMIN)).statusCode).toBe(404);
    const audit = await db.query(`SELECT actor, action, details FROM "${id}".audit_log WHERE target = 'Weird<name>' ORDER BY id`);
    expect(audit).toEqual([
      { actor: 'ada', action: 'mapping.put', details: { runbookId: 'weird_fix', previous: null } },
      { actor: 'ada', action: 'mapping.delete', details: { runbookId: 'weird_fix' } },
    ]);
  });

  const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const fp = '0123456789abcdef';
  const badCursors = [
    '1',
    '-'.repeat(36),
    b64(['1', fp]),
    b64(['2024-02-30T00:00:00.000Z', fp]),
    b64(['+275760-09-13T00:00:00.000Z', fp]),
    b64(['0000-01-01T00:00:00.000Z', fp]),
    b64(['2024-01-01', fp]),
    b64(['2024-01-01T00:00:00.000Z', '-'.repeat(16)]),
    b64(['2024-01-01T00:00:00.000Z', fp, 'x']),
    b64({ firstSeen: '2024-01-01T00:00:00.000Z', fingerprint: fp }),
    b64('null'),
    '%00',
    'x'.repeat(5000),
  ];
  const badQueries: Record<string, string[]> = {
    '/api/v1/alerts': [
      ...badCursors.map((cursor) => `cursor=${encodeURIComponent(cursor)}`),
      'cursor=a&cursor=b',
      'cursor=',
      'limit=-1',
      'limit=0',
      'limit=',
      'limit=1000000000000',
      'limit=1e12',
      'limit=abc',
      'limit=1.5',
      'limit=1&limit=2',
      'status=bogus',
      'status=',
      'status=firing,',
      'status=firing&status=resolved',
      'severity=urgent',
      'severity=critical&severity=warning',
      'alertname=a&alertname=b',
      `alertname=${'x'.repeat(300)}`,
      'alertname=a%00b',
      'label=team',
      'label==db',
      'label=team%3Ddb%00',
      `label=${'x'.repeat(3000)}%3Dy`,
      Array.from({ length: 21 }, (_, i) => `label=l${i}%3Dv`).join('&'),
    ],
    '/api/v1/silences': ['state=bogus', 'state=active&state=expired', 'state=', 'state=%00'],
  };

  it('answers malformed queries on every list endpoint with 400 naming the parameter, never a 5xx', async () => {
    for (const [path, queries] of Object.entries(badQueries))
      for (const query of queries) {
        const response = await call('GET', `${path}?${query}`, VIEWER);
        const name = query.split('=')[0];
        expect({ path, query, status: response.statusCode }).toEqual({ path, query, status: 400 });
        expect({ path, query, names: response.json().error.message.startsWith(name) }).toEqual({ path, query, names: true });
      }
    // A good cursor still pages.
    const good = await call('GET', `/api/v1/alerts?cursor=${b64(['2024-01-01T00:00:00.000Z', fp])}`, VIEWER);
    expect(good.statusCode).toBe(200);
  });

  it('answers bad ids on every detail and action endpoint with a 4xx, and ignores junk on endpoints that take no query', async () => {
    const ids = [
      '-'.repeat(36),
      '1',
      'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
      'ABCDEF0123456789',
      '%00',
      "'; DROP TABLE x; --",
      'x'.repeat(300),
    ];
    for (const raw of ids) {
      const id = encodeURIComponent(raw);
      for (const [method, path, token] of [
        ['GET', `/api/v1/alerts/${id}`, VIEWER],
        ['POST', `/api/v1/alerts/${id}/acknowledge`, OPERATOR],
        ['POST', `/api/v1/alerts/${id}/resolve`, OPERATOR],
        ['DELETE', `/api/v1/silences/${id}`, OPERATOR],
        ['DELETE', `/api/v1/mappings/${id}`, ADMIN],
      ] as const) {
        const status = (await call(method, path, token, method === 'POST' ? {} : undefined)).statusCode;
        expect({ path, status: status >= 400 && status < 500 }).toEqual({ path, status: true });
      }
    }
    expect((await call('GET', `/api/v1/alerts/${encodeURIComponent('\u0000'.repeat(16))}`, VIEWER)).statusCode).toBe(400);
    // Over-long path parameters are refused by the HTTP layer already (414), before the 256-character rule.
    expect((await call('PUT', `/api/v1/mappings/${'x'.repeat(300)}`, ADMIN, { runbookId: 'y' })).statusCode).toBe(414);
    expect((await call('PUT', '/api/v1/mappings/a%00b', ADMIN, { runbookId: 'y' })).statusCode).toBe(400);
    for (const path of ['/api/v1/mappings', '/api/v1/integration-status'])
      for (const query of ['cursor=1', 'limit=-1', 'status=a&status=b', 'x[]=1', 'q=%00'])
        expect({ path, query, status: (await call('GET', `${path}?${query}`, VIEWER)).statusCode }).toEqual({ path, query, status: 200 });
  });

  it('exposes the alert metrics', async () => {
    const metrics = (await call('GET', '/metrics')).body;
    expect(metrics).toMatch(/firebreak_alerts_sent_total\{kind="firing"\} \d+/);
    expect(metrics).toMatch(/firebreak_alerts_active\{severity="critical",status="firing"\} \d+/);
    expect(metrics).toMatch(/firebreak_runbooks_requested_total\{runbook="db_triage"\} \d+/);
    expect(metrics).toMatch(/# TYPE firebreak_alerts_deduplicated_total counter/);
    expect(metrics).toMatch(/# TYPE firebreak_alerts_escalated_total counter/);
    const docs = Object.keys((await call('GET', '/docs-json')).json().paths);
    expect(docs).toEqual(
      expect.arrayContaining([
        '/api/v1/alerts',
        '/api/v1/alerts/{fingerprint}/acknowledge',
        '/api/v1/silences/{id}',
        '/api/v1/mappings/{alertname}',
        '/api/v1/integration-status',
      ]),
    );
  });
});
