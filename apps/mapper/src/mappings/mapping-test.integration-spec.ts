import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { uniqueTestId } from '@firebreak/testing';
import { BusProbe, closeInstallation, http, startMapper, useInstallation } from '../testing/mapper-harness';

const ADMIN = 'admin-token-1';
const VIEWER = 'viewer-token-1';

const MAPPINGS = `alertnames:
  HighErrorRate: high_error_rate
  DiskFull: disk_cleanup
rules:
  - matchers: ['team="db"', 'severity=~"critical|error"']
    runbook: db_triage
`;

describe('mapper: POST /api/v1/mappings/test through the real resolver (real NATS, Postgres)', () => {
  const id = uniqueTestId('mapper_maptest');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let call: ReturnType<typeof http>;

  beforeAll(async () => {
    bus = await useInstallation(id, {
      tokens: `${ADMIN}:admin:ada,${VIEWER}:viewer:vic`,
      config: { 'mappings.yaml': MAPPINGS, 'escalation.yaml': 'escalation: {}\n' },
    });
    app = await startMapper();
    call = http(app);
  });

  afterAll(() => closeInstallation(id, app, bus));

  const test = (body: unknown, token = VIEWER) => call('POST', '/api/v1/mappings/test', token, body);

  it('names the runbook and where it came from, in the order alerts are mapped', async () => {
    const file = await test({ labels: { alertname: 'HighErrorRate', severity: 'critical' } });
    expect(file.statusCode).toBe(200);
    expect(file.json()).toEqual({
      runbook: 'high_error_rate',
      source: 'file_alertname',
      why: 'mappings.yaml alertnames.HighErrorRate',
      notes: [],
    });

    const rule = await test({ labels: { alertname: 'SlowQueries', team: 'db', severity: 'error' } });
    expect(rule.json()).toMatchObject({
      runbook: 'db_triage',
      source: 'file_rule',
      rule: { index: 0, matchers: ['team="db"', 'severity=~"critical|error"'] },
    });

    const annotated = await test({ labels: { alertname: 'HighErrorRate' }, annotations: { automation_runbook: 'notify_admin' } });
    expect(annotated.json()).toMatchObject({ runbook: 'notify_admin', source: 'annotation' });

    const none = await test({ labels: { alertname: 'Unmapped', team: 'web' } });
    expect(none.json()).toMatchObject({ runbook: null, source: null, why: expect.stringContaining('"Unmapped"') });
  });

  it('sees a runtime mapping as soon as an admin adds it, before the file table', async () => {
    expect((await call('PUT', '/api/v1/mappings/DiskFull', ADMIN, { runbookId: 'disk_cleanup_v2' })).statusCode).toBe(200);
    const response = await test({ labels: { alertname: 'DiskFull' } });
    expect(response.json()).toMatchObject({ runbook: 'disk_cleanup_v2', source: 'runtime' });
  });

  it('treats hostile labels as data: an annotation that is not a runbook id is ignored and said so', async () => {
    const response = await test({
      labels: { alertname: '<script>alert(1)</script>', team: "db' OR 1=1 --", severity: 'critical' },
      annotations: { automation_runbook: '$(rm -rf /)' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      runbook: null,
      source: null,
      notes: ['the automation_runbook annotation is not a runbook id, so it was ignored'],
    });
  });

  it('refuses bad bodies with 400 naming the field, and needs a token', async () => {
    const badName = await test({ labels: { 'bad-name': 'x' } });
    expect(badName.statusCode).toBe(400);
    expect(JSON.stringify(badName.json().error)).toContain('bad-name');
    expect((await test({ labels: { alertname: 'x'.repeat(1025) } })).statusCode).toBe(400);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v']));
    expect((await test({ labels: many })).statusCode).toBe(400);
    expect((await test({ labels: { alertname: 1 } })).statusCode).toBe(400);
    expect((await test({})).statusCode).toBe(400);
    expect((await test({ labels: {}, extra: true })).statusCode).toBe(400);
    expect((await test({ labels: {} }, 'wrong-token')).statusCode).toBe(401);
  });
});
