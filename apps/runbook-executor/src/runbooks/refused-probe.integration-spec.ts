import { resolve } from 'node:path';
import { FakeHttpTarget, freePort, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';

const SHIPPED = resolve(__dirname, '../../../../runbooks');
const target = new FakeHttpTarget();
let h: ExecutorHarness;
let silentPort: number;

beforeAll(async () => {
  await target.start();
  silentPort = await freePort();
  const answering = `127.0.0.1:${new URL(target.url).port}`;
  h = await new ExecutorHarness(SHIPPED, {
    env: {
      FIREBREAK_RUNBOOK_HTTP_ALLOW: '127.0.0.1',
      FIREBREAK_RUNBOOK_VARS: `orchestrator_url=${target.url},research_system_url=http://research.invalid`,
    },
    config: {
      'connections.yaml': { connections: [{ name: 'firebreak', serviceDatabase: true }] },
      // The restart cases here could end failed and count towards service_unavailable's circuit breaker (3 by default);
      // refused runs and runs a `fail` step ended (the 4xx cases) do not.
      'automation.yaml': { circuitBreaker: { failures: 1_000, window: '30m' } },
      // service_unavailable probes only an instance of the alert's job (probe-trust.integration-spec.ts tests that).
      'services.yaml': {
        services: {
          'silent-api': [`127.0.0.1:${silentPort}`],
          'unsendable-00': ['127.0.0.1:6000'],
          ...Object.fromEntries(
            ['answering-api', 'healthy-api', 'refusing-401', 'refusing-404', 'refusing-302'].map((job) => [job, [answering]]),
          ),
        },
      },
    },
  }).start(process.env);
});

afterAll(async () => {
  await h?.stop();
  await target.stop();
});

beforeEach(() => target.reset());

const alert = (labels: Record<string, string>) => ({ alert_name: 'ServiceDown', alert_labels: labels, severity: 'critical' as const });
const detailOf = async (id: string) => (await h.inject('GET', `/api/v1/executions/${id}`, { token: 'viewer' })).json();

describe('a refused probe is not a failed probe', () => {
  it('service_unavailable with an instance outside the allow-list restarts nothing: the run fails with the refusal and escalates', async () => {
    const requestId = await h.request({
      runbookId: 'service_unavailable',
      fingerprint: '0123456789abcdef',
      context: alert({ instance: 'x.invalid', job: 'refused-api' }),
    });
    const row = await h.waitForStatus(requestId, ['failed', 'succeeded']);
    expect(row.status).toBe('failed');
    expect(row.status_reason).toMatch(/^step probe refused \(http-allow\): host "x.invalid" is not in FIREBREAK_RUNBOOK_HTTP_ALLOW/);
    expect(target.requests).toHaveLength(0);
    const detail = await detailOf(row.id);
    expect(detail.steps.map((s: { id: string; outcome: string | null }) => `${s.id}:${s.outcome}`)).toEqual([
      'probe:refused',
      'answered:null',
      'garbled:null',
      'restart:null',
      'settle:null',
      'verify:null',
      'report:null',
    ]);
    expect(detail.steps[0].attempts).toEqual([expect.objectContaining({ status: 'failed', refused: true })]);
    await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id).length === 1);
    expect(h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id)[0]).toMatchObject({ status: 'failed', escalate: true });
  });

  it('research_system_recovery with its probe refused restarts nothing either', async () => {
    const requestId = await h.request({ runbookId: 'research_system_recovery', context: alert({ job: 'research-system' }) });
    const row = await h.waitForStatus(requestId, ['failed', 'succeeded']);
    expect(row.status).toBe('failed');
    expect(row.status_reason).toMatch(/^step probe refused \(http-allow\)/);
    expect(target.requests).toHaveLength(0);
  });

  it('a probe that reached the service and got a 5xx still restarts it', async () => {
    target.on('GET', '/health', () => ({ status: 503 }));
    const instance = `127.0.0.1:${new URL(target.url).port}`;
    const requestId = await h.request({ runbookId: 'service_unavailable', context: alert({ instance, job: 'answering-api' }) });
    await waitFor(() => target.requests.some((r) => r.method === 'POST' && r.path === '/services/answering-api/restart'), {
      timeoutMs: 15_000,
    });
    const row = (await h.executionByRequest(requestId))!;
    expect((await detailOf(row.id)).steps[0]).toMatchObject({ id: 'probe', outcome: 'failure' });
    await h.inject('POST', `/api/v1/executions/${row.id}/cancel`, { token: 'operator', payload: { reason: 'test over' } });
  });

  it('a probe that got no answer (nothing listening) restarts it', async () => {
    const instance = `127.0.0.1:${silentPort}`;
    const requestId = await h.request({ runbookId: 'service_unavailable', context: alert({ instance, job: 'silent-api' }) });
    await waitFor(() => target.requests.some((r) => r.method === 'POST' && r.path === '/services/silent-api/restart'), {
      timeoutMs: 20_000,
    });
    const row = (await h.executionByRequest(requestId))!;
    const probe = (await detailOf(row.id)).steps[0];
    expect(probe).toMatchObject({ id: 'probe', outcome: 'failure' });
    expect(probe.attempts.at(-1).error).toBe(`no response from ${instance}: ECONNREFUSED`);
    await h.inject('POST', `/api/v1/executions/${row.id}/cancel`, { token: 'operator', payload: { reason: 'test over' } });
  });
});

describe('a probe that could not be sent is refused, not "no answer"', () => {
  it.each([
    // fetch never connects to 6000 (X11): undici's "bad port", before anything is sent.
    [
      'a port fetch refuses',
      '127.0.0.1:6000',
      /^step probe refused \(http-request\): the request to "127\.0\.0\.1:6000" could not be sent: "bad port"$/,
    ],
    [
      'a port out of range',
      '127.0.0.1:99999',
      /^step probe refused \(url\): "http:\/\/127\.0\.0\.1:99999\/health" is not an absolute URL$/,
    ],
    ['a line break in the host', '127.0.0.1\n:80', /^step probe refused \(url-host\)/],
  ])('%s (instance %j): the run fails with the refusal, escalates, and nothing is restarted', async (_what, instance, reason) => {
    const requestId = await h.request({
      runbookId: 'service_unavailable',
      fingerprint: '0123456789abcdef',
      context: alert({ instance, job: `unsendable-${instance.slice(-2)}` }),
    });
    const row = await h.waitForStatus(requestId, ['failed', 'succeeded']);
    expect(row.status).toBe('failed');
    expect(row.status_reason).toMatch(reason);
    const detail = await detailOf(row.id);
    expect(detail.steps[0]).toMatchObject({ id: 'probe', outcome: 'refused' });
    expect(detail.steps[0].attempts).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
    await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id).length === 1);
    expect(h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id)[0]).toMatchObject({ escalate: true });
  });
});

describe('a service that answers, but not healthy, goes to a person', () => {
  it.each([
    [401, 'wrong credentials'],
    [404, 'a moved health endpoint'],
    [302, 'a redirect'],
  ])('HTTP %i (%s): not restarted; the run stops at "answered" and escalates', async (status) => {
    target.on('GET', '/health', () => ({ status, headers: (status === 302 ? { location: '/elsewhere' } : {}) as Record<string, string> }));
    const instance = `127.0.0.1:${new URL(target.url).port}`;
    const requestId = await h.request({
      runbookId: 'service_unavailable',
      fingerprint: '0123456789abcdef',
      context: alert({ instance, job: `refusing-${status}` }),
    });
    const row = await h.waitForStatus(requestId, ['failed', 'succeeded']);
    expect(row.status).toBe('failed');
    expect(row.status_reason).toBe(
      `step answered failed: ${instance} answered its health probe with HTTP ${status}; not restarting it, a person must look`,
    );
    const detail = await detailOf(row.id);
    expect(detail.steps.map((s: { id: string; outcome: string | null }) => `${s.id}:${s.outcome}`)).toEqual([
      'probe:failure',
      'answered:failure',
      'garbled:null',
      'restart:null',
      'settle:null',
      'verify:null',
      'report:null',
    ]);
    // A 4xx is not retried (another try would get the same answer); the one probe is all that was sent.
    expect(target.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health']);
    await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id).length === 1);
    expect(h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id)[0]).toMatchObject({ status: 'failed', escalate: true });
  });

  it('a healthy answer (200) restarts nothing and the run succeeds', async () => {
    target.on('GET', '/health', () => ({ status: 200 }));
    const instance = `127.0.0.1:${new URL(target.url).port}`;
    const requestId = await h.request({ runbookId: 'service_unavailable', context: alert({ instance, job: 'healthy-api' }) });
    const row = await h.waitForStatus(requestId, ['failed', 'succeeded']);
    expect(row.status).toBe('succeeded');
    expect(target.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health']);
  });
});
