import { resolve } from 'node:path';
import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';

const SHIPPED = resolve(__dirname, '../../../../runbooks');
const target = new FakeHttpTarget();
let h: ExecutorHarness;

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness(SHIPPED, {
    env: {
      FIREBREAK_RUNBOOK_HTTP_ALLOW: '127.0.0.1',
      FIREBREAK_RUNBOOK_VARS: `orchestrator_url=${target.url},research_system_url=http://research.invalid`,
    },
    config: { 'connections.yaml': { connections: [{ name: 'firebreak', serviceDatabase: true }] } },
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
    const requestId = await h.request({ runbookId: 'service_unavailable', context: alert({ instance: '127.0.0.1:9', job: 'silent-api' }) });
    await waitFor(() => target.requests.some((r) => r.method === 'POST' && r.path === '/services/silent-api/restart'), {
      timeoutMs: 20_000,
    });
    const row = (await h.executionByRequest(requestId))!;
    const probe = (await detailOf(row.id)).steps[0];
    expect(probe).toMatchObject({ id: 'probe', outcome: 'failure' });
    expect(probe.attempts.at(-1).error).toMatch(/^no response from 127\.0\.0\.1:9/);
    await h.inject('POST', `/api/v1/executions/${row.id}/cancel`, { token: 'operator', payload: { reason: 'test over' } });
  });
});
