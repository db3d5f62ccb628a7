import { DataSource } from 'typeorm';
import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';

const target = new FakeHttpTarget();
let h: ExecutorHarness;

const tell = {
  id: 'tell',
  title: 'Tell people',
  severity: 'warning',
  steps: [
    { id: 'quiet', uses: 'notify', with: { text: 'quiet in drills' } },
    { id: 'loud', uses: 'notify', with: { text: 'sent in drills too', notifyInDrills: true } },
  ],
};

const dirty = {
  id: 'dirty',
  title: 'A target that answers with NUL bytes and lone surrogates',
  severity: 'warning',
  steps: [
    { id: 'act', uses: 'http', mutating: true, with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/act' } },
    { id: 'read', uses: 'http', with: { url: 'http://127.0.0.1:{{ params.port }}/read' } },
  ],
};

const risky = {
  id: 'risky',
  title: 'Risky change',
  severity: 'critical',
  steps: [{ id: 'change', uses: 'http', risk: 'high', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/change' } }],
};

const refusedThenContinue = {
  id: 'refused_continue',
  title: 'onFailure: continue does not carry on past a refusal',
  severity: 'warning',
  steps: [
    { id: 'probe', uses: 'http', onFailure: 'continue', with: { url: 'http://{{ params.host }}/health' } },
    { id: 'after', uses: 'http', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/after' } },
  ],
};

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness(
    { 'tell.yaml': tell, 'dirty.yaml': dirty, 'risky.yaml': risky, 'refused_continue.yaml': refusedThenContinue },
    { env: { FIREBREAK_APPROVAL_REQUIRED: 'true' } },
  ).start(process.env);
});

afterAll(async () => {
  await h?.stop();
  await target.stop();
});

beforeEach(() => target.reset());

const port = () => new URL(target.url).port;
const detailOf = async (id: string) => (await h.inject('GET', `/api/v1/executions/${id}`, { token: 'viewer' })).json();
async function finished(id: string, statuses = ['succeeded', 'failed']) {
  await waitFor(async () => statuses.includes((await detailOf(id)).status), { timeoutMs: 15_000 });
  return detailOf(id);
}

describe('refusals', () => {
  it('stop the run even when the step says onFailure: continue, and escalate', async () => {
    const started = await h.inject('POST', '/api/v1/runbooks/refused_continue/execute', {
      token: 'operator',
      payload: { params: { host: 'evil.example.com', port: port() } },
    });
    const detail = await finished(started.json().executionId);
    expect(detail.status).toBe('failed');
    expect(detail.steps.map((s: { outcome: string | null }) => s.outcome)).toEqual(['refused', null]);
    expect(target.requests).toHaveLength(0);
    await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === detail.id).length === 1);
    expect(h.eventsOf('runbooks.execution.failed', (d) => d.executionId === detail.id)[0]).toMatchObject({ escalate: true });
  });
});

describe('drills and dry runs page nobody', () => {
  it('records a notify step as "would notify" unless it says notifyInDrills: true', async () => {
    const drill = await h.inject('POST', '/api/v1/drills', { token: 'operator', payload: { runbookId: 'tell' } });
    expect(drill.statusCode).toBe(202);
    const dry = await h.inject('POST', '/api/v1/runbooks/tell/execute', { token: 'operator', payload: { mode: 'dry_run' } });
    for (const [id, mode] of [
      [drill.json().executionId, 'drill'],
      [dry.json().executionId, 'dry_run'],
    ]) {
      const detail = await finished(id);
      expect(detail.status).toBe('succeeded');
      expect(detail.steps.map((s: { id: string; outcome: string }) => `${s.id}:${s.outcome}`)).toEqual(['quiet:skipped', 'loud:success']);
      expect(detail.steps[0].attempts[0]).toMatchObject({ status: 'skipped', error: `${mode}: would notify` });
      await waitFor(() => h.eventsOf('notifications.requested', (d) => d.executionId === id).length === 1);
      expect(h.eventsOf('notifications.requested', (d) => d.executionId === id)).toEqual([
        expect.objectContaining({ text: 'sent in drills too' }),
      ]);
    }
  });
});

describe('what a target answers is stored cleaned', () => {
  it('NUL bytes and lone surrogates in bodies do not fail the attempt after a mutating step acted', async () => {
    target.on('POST', '/act', () => ({ status: 200, body: 'done\u0000 and \u0000 again' }));
    target.on('GET', '/read', () => ({ status: 200, body: '{"out":"a\\u0000b\\ud800c","\\u0000key":"\\udc00"}' }));
    const started = await h.inject('POST', '/api/v1/runbooks/dirty/execute', { token: 'operator', payload: { params: { port: port() } } });
    const detail = await finished(started.json().executionId);
    expect(detail.status).toBe('succeeded');
    expect(target.requests.filter((r) => r.path === '/act')).toHaveLength(1);
    expect(detail.steps[0].attempts[0].outputExcerpt).toContain('done\uFFFD and \uFFFD again');
    const [{ state }] = await h.app.get(DataSource).query(`SELECT state FROM "${h.id}".executions WHERE id = $1`, [detail.id]);
    expect(state.steps.read.outputs.body).toEqual({ out: 'a\uFFFDb\uFFFDc', '\uFFFDkey': '\uFFFD' });
    expect(state.steps.act.outputs.body).toBe('done\uFFFD and \uFFFD again');
  });
});

describe('separation of duties', () => {
  it('the token that started a run cannot approve its high-risk step; another can', async () => {
    const started = await h.inject('POST', '/api/v1/runbooks/risky/execute', { token: 'operator', payload: { params: { port: port() } } });
    const id = started.json().executionId;
    await waitFor(async () => (await detailOf(id)).status === 'waiting_approval');
    const approval = (await detailOf(id)).approvals[0];
    const self = await h.inject('POST', `/api/v1/approvals/${approval.id}/approve`, { token: 'operator', payload: {} });
    expect(self.statusCode).toBe(403);
    expect(self.json().error).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/^otto started execution .* and may not also approve its high-risk step change/),
    });
    expect(target.requests).toHaveLength(0);
    const other = await h.inject('POST', `/api/v1/approvals/${approval.id}/approve`, { token: 'admin', payload: {} });
    expect(other.json()).toMatchObject({ status: 'approved', decidedBy: 'ada' });
    expect((await finished(id)).status).toBe('succeeded');
    expect(target.requests.map((r) => r.path)).toEqual(['/change']);
  });

  it('announces an approval once (runbooks.approval.requested), not also as notifications.requested', async () => {
    const started = await h.inject('POST', '/api/v1/runbooks/risky/execute', { token: 'operator', payload: { params: { port: port() } } });
    const id = started.json().executionId;
    await waitFor(async () => (await detailOf(id)).status === 'waiting_approval');
    const approval = (await detailOf(id)).approvals[0];
    await h.inject('POST', `/api/v1/approvals/${approval.id}/approve`, { token: 'admin', payload: {} });
    await finished(id);
    await waitFor(() => h.eventsOf('runbooks.approval.decided', (d) => d.approvalId === approval.id).length === 1);
    expect(h.eventsOf('runbooks.approval.requested', (d) => d.executionId === id)).toHaveLength(1);
    expect(h.eventsOf('notifications.requested', (d) => d.executionId === id)).toEqual([]);
  });
});

describe('malformed input is a 4xx, never a 5xx', () => {
  it('refuses drill targets above 24h naming the field', async () => {
    const response = await h.inject('POST', '/api/v1/drills', { token: 'operator', payload: { runbookId: 'tell', target: '25d' } });
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json())).toMatch(/target/);
    expect(JSON.stringify(response.json())).toMatch(/at most 24h/);
    const ok = await h.inject('POST', '/api/v1/drills', { token: 'operator', payload: { runbookId: 'tell', target: '24h' } });
    expect(ok.statusCode).toBe(202);
  });

  const b64 = (text: string) => Buffer.from(text).toString('base64url');
  const badCursors = [
    '1',
    b64(`1|${'-'.repeat(36)}`),
    b64(`2024-01-01T00:00:00.000Z|${'-'.repeat(36)}`),
    b64('2024-01-01|00000000-0000-0000-0000-000000000000'),
    b64('2024-02-30T00:00:00.000Z|00000000-0000-4000-8000-000000000000'),
    b64('+275760-09-13T00:00:00.000Z|00000000-0000-4000-8000-000000000000'),
    b64('2024-01-01T00:00:00.000Z|00000000-0000-4000-8000-000000000000|x'),
    '%00',
    'x'.repeat(300),
  ];
  const badQueries: Record<string, string[]> = {
    '/api/v1/executions': [
      ...badCursors.map((c) => `cursor=${encodeURIComponent(c)}`),
      'cursor=a&cursor=b',
      'limit=-1',
      'limit=0',
      'limit=1000000000000',
      'limit=abc',
      'limit=1.5',
      'limit=1&limit=2',
      'status=bogus',
      'status=failed&status=succeeded',
      'mode=sideways',
      'fingerprint=zz',
      'fingerprint=a&fingerprint=b',
      'runbook=a&runbook=b',
      `runbook=${'x'.repeat(500)}`,
    ],
    '/api/v1/approvals': ['status=bogus', 'status=pending&status=approved', 'limit=-5', 'limit=99999999999', 'limit=x', 'limit=1&limit=2'],
    '/api/v1/drills': ['limit=-1', 'limit=1e12', 'limit=nope', 'limit=1&limit=2'],
  };

  it('posts malformed queries to every list endpoint and gets 400 naming the parameter', async () => {
    for (const [path, queries] of Object.entries(badQueries))
      for (const query of queries) {
        const response = await h.inject('GET', `${path}?${query}`, { token: 'viewer' });
        const name = query.split('=')[0];
        expect({ path, query, status: response.statusCode }).toEqual({ path, query, status: 400 });
        expect({ path, query, body: JSON.stringify(response.json()).includes(name) }).toEqual({ path, query, body: true });
      }
  });

  it('bad ids in every get endpoint are 4xx, and junk on endpoints without parameters is ignored', async () => {
    const ids = ['-'.repeat(36), '1', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', '%00', "'; DROP TABLE x; --", 'x'.repeat(300)];
    for (const id of ids) {
      const encoded = encodeURIComponent(id);
      for (const [method, path] of [
        ['GET', `/api/v1/executions/${encoded}`],
        ['POST', `/api/v1/executions/${encoded}/cancel`],
        ['POST', `/api/v1/approvals/${encoded}/approve`],
        ['POST', `/api/v1/approvals/${encoded}/reject`],
        ['GET', `/api/v1/runbooks/${encoded}`],
      ] as const) {
        const response = await h.inject(method, path, { token: 'admin', payload: method === 'POST' ? { reason: 'x' } : undefined });
        expect({ path, status: response.statusCode >= 400 && response.statusCode < 500 }).toEqual({ path, status: true });
      }
    }
    for (const path of ['/api/v1/runbooks', '/api/v1/automation'])
      for (const query of ['cursor=1', 'limit=-1', 'status=a&status=b', 'x[]=1'])
        expect((await h.inject('GET', `${path}?${query}`, { token: 'viewer' })).statusCode).toBeLessThan(500);
  });
});
