import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { AuditLog } from '@firebreak/platform';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import { ExecutorHarness } from '../testing/executor-harness';

const target = new FakeHttpTarget();
let h: ExecutorHarness;

const fragile = {
  id: 'fragile',
  title: 'Fragile fix',
  severity: 'critical',
  circuitBreaker: { failures: 2, window: '1h' },
  steps: [{ id: 'fix', uses: 'http', retries: { max: 0 }, with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/fix' } }],
};
const looping = {
  id: 'looping',
  title: 'Fix that keeps being asked for',
  severity: 'warning',
  concurrency: { key: '{{ alert.labels.instance }}' },
  loop: { maxRuns: 2, window: '1h' },
  steps: [{ id: 'look', uses: 'http', with: { url: 'http://127.0.0.1:{{ params.port }}/look' } }],
};

const serial = {
  id: 'serial',
  title: 'One at a time per instance',
  severity: 'warning',
  concurrency: { key: '{{ alert.labels.instance }}', limit: 1 },
  loop: { maxRuns: 10, window: '1h' },
  steps: [{ id: 'hold', uses: 'http', with: { url: 'http://127.0.0.1:{{ params.port }}/hold/{{ alert.labels.instance }}' } }],
};
// Its URL takes the host from the alert: a hostile `instance` label gets the step refused.
const probed = {
  id: 'probed',
  title: 'Fix the instance that alerted',
  severity: 'critical',
  circuitBreaker: { failures: 2, window: '1h' },
  loop: { maxRuns: 100, window: '1h' },
  steps: [{ id: 'fix', uses: 'http', retries: { max: 0 }, with: { method: 'POST', url: 'http://{{ alert.labels.instance }}/fix' } }],
};

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness({ 'fragile.yaml': fragile, 'looping.yaml': looping, 'serial.yaml': serial, 'probed.yaml': probed }).start(
    process.env,
  );
});

afterAll(async () => {
  await h?.stop();
  await target.stop();
});

const port = () => new URL(target.url).port;

async function failedEventOf(requestId: string) {
  const row = (await h.executionByRequest(requestId))!;
  await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id).length === 1);
  return h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id)[0];
}

describe('circuit breaker', () => {
  it('after N failures in its window skips automatic runs and escalates; a manual run still works and closes it on success', async () => {
    target.on('POST', '/fix', () => ({ status: 500 }));
    for (let i = 0; i < 2; i++) await h.waitForStatus(await h.request({ runbookId: 'fragile', params: { port: port() } }), ['failed']);
    const skipped = await h.request({ runbookId: 'fragile', params: { port: port() } });
    const row = await h.waitForStatus(skipped, ['skipped']);
    expect(row.status_reason).toMatch(/^circuit breaker open: 2 failures of fragile/);
    expect(await failedEventOf(skipped)).toMatchObject({ status: 'skipped', escalate: true });
    expect(target.requests.filter((r) => r.path === '/fix')).toHaveLength(2);
    expect((await h.inject('GET', '/api/v1/automation', { token: 'viewer' })).json().circuits).toContainEqual({
      runbook: 'fragile',
      open: true,
      failures: 2,
      threshold: 2,
    });

    target.on('POST', '/fix', () => ({ status: 200 }));
    const manual = (
      await h.inject('POST', '/api/v1/runbooks/fragile/execute', { token: 'operator', payload: { params: { port: port() } } })
    ).json();
    await waitFor(async () => (await h.inject('GET', `/api/v1/executions/${manual.executionId}`)).json().status === 'succeeded');
    await h.waitForStatus(await h.request({ runbookId: 'fragile', params: { port: port() } }), ['succeeded']);
  });
});

describe('circuit breaker and refusals', () => {
  const circuit = async () =>
    ((await h.inject('GET', '/api/v1/automation', { token: 'viewer' })).json().circuits as Array<{ runbook: string }>).find(
      (c) => c.runbook === 'probed',
    );
  const refusedRun = async (instance: string) => {
    const requestId = await h.request({ runbookId: 'probed', context: { alert_labels: { instance } } });
    const row = await h.waitForStatus(requestId, ['failed', 'succeeded', 'skipped']);
    expect(row).toMatchObject({ status: 'failed', escalate: true });
    expect(row.status_reason).toMatch(/^step fix refused \(/);
    expect(await h.app.get(ExecutionsRepository).attempts(row.id)).toEqual([expect.objectContaining({ step_id: 'fix', refused: true })]);
    expect(await failedEventOf(requestId)).toMatchObject({ status: 'failed', escalate: true });
  };

  it('does not count runs a refusal stopped: hostile labels cannot open the breaker, real failures still do', async () => {
    target.on('POST', '/fix', () => ({ status: 500 }));
    const fixesBefore = target.requests.filter((r) => r.path === '/fix').length;
    // More refused runs than the threshold (2): each is recorded and escalated, none counts.
    for (const instance of ['x.invalid', '127.0.0.1:6000', 'evil.example.com']) await refusedRun(instance);
    expect(await circuit()).toEqual({ runbook: 'probed', open: false, failures: 0, threshold: 2 });

    const real = `127.0.0.1:${port()}`;
    await h.waitForStatus(await h.request({ runbookId: 'probed', context: { alert_labels: { instance: real } } }), ['failed']);
    expect(await circuit()).toMatchObject({ open: false, failures: 1 });
    await refusedRun('127.0.0.1:6000');
    expect(await circuit()).toMatchObject({ open: false, failures: 1 });
    await h.waitForStatus(await h.request({ runbookId: 'probed', context: { alert_labels: { instance: real } } }), ['failed']);
    expect(await circuit()).toMatchObject({ open: true, failures: 2 });

    const skipped = await h.request({ runbookId: 'probed', context: { alert_labels: { instance: real } } });
    expect((await h.waitForStatus(skipped, ['skipped'])).status_reason).toMatch(/^circuit breaker open: 2 failures of probed/);
    // Only the two real runs reached the target: the refused ones sent nothing.
    expect(target.requests.filter((r) => r.path === '/fix')).toHaveLength(fixesBefore + 2);
  });
});

describe('loop protection', () => {
  it('allows maxRuns automatic runs per concurrency key in the window, then skips and escalates', async () => {
    const run = (instance: string) =>
      h.request({ runbookId: 'looping', params: { port: port() }, context: { alert_labels: { instance } } });
    for (let i = 0; i < 2; i++) await h.waitForStatus(await run('db-1'), ['succeeded']);
    const third = await run('db-1');
    expect((await h.waitForStatus(third, ['skipped'])).status_reason).toMatch(/^loop protection: 2 automatic runs of looping for "db-1"/);
    expect(await failedEventOf(third)).toMatchObject({ status: 'skipped', escalate: true });
    await h.waitForStatus(await run('db-2'), ['succeeded']);
  });
});

describe('concurrency', () => {
  it('runs one execution per concurrency key at a time, queueing the next, while other keys run alongside', async () => {
    // Each /hold call answers only when the test lets it: which executions are inside their step is then certain.
    const arrived: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    for (const instance of ['node-1', 'node-2'])
      target.on('GET', `/hold/${instance}`, async () => (arrived.push(instance), await held, {}));
    const run = (instance: string) => h.request({ runbookId: 'serial', params: { port: port() }, context: { alert_labels: { instance } } });
    const sameKey = [await run('node-1'), await run('node-1')];
    const other = await run('node-2');
    await waitFor(() => arrived.includes('node-1') && arrived.includes('node-2'), {
      message: () => `both keys to be inside their step (arrived: ${arrived.join(', ')})`,
    });
    const statuses = await Promise.all(sameKey.map(async (requestId) => (await h.executionByRequest(requestId))?.status));
    expect(statuses.sort()).toEqual(['queued', 'running']);
    expect(arrived.filter((instance) => instance === 'node-1')).toHaveLength(1);
    release();
    const done = await Promise.all(sameKey.map((requestId) => h.waitForStatus(requestId, ['succeeded'])));
    const [earlier, later] = done.sort((a, b) => a.started_at!.getTime() - b.started_at!.getTime());
    expect(later.started_at!.getTime()).toBeGreaterThanOrEqual(earlier.finished_at!.getTime());
    await h.waitForStatus(other, ['succeeded']);
  });
});

describe('the global kill switch', () => {
  it('is admin-only and audited; while paused automatic runs are skipped and escalated, manual runs still work', async () => {
    expect((await h.inject('POST', '/api/v1/automation/pause', { token: 'operator', payload: {} })).statusCode).toBe(403);
    const paused = await h.inject('POST', '/api/v1/automation/pause', { token: 'admin', payload: { reason: 'incident 42' } });
    expect(paused.json()).toMatchObject({ paused: true, changedBy: 'ada', automaticRunsAllowed: false });

    const automatic = await h.request({ runbookId: 'looping', params: { port: port() }, context: { alert_labels: { instance: 'db-9' } } });
    expect((await h.waitForStatus(automatic, ['skipped'])).status_reason).toBe('automation is paused by ada: incident 42');
    expect(await failedEventOf(automatic)).toMatchObject({ status: 'skipped', escalate: true });
    const manual = (
      await h.inject('POST', '/api/v1/runbooks/looping/execute', { token: 'operator', payload: { params: { port: port() } } })
    ).json();
    await waitFor(async () => (await h.inject('GET', `/api/v1/executions/${manual.executionId}`)).json().status === 'succeeded');

    expect((await h.inject('POST', '/api/v1/automation/resume', { token: 'admin', payload: {} })).json()).toMatchObject({
      paused: false,
      automaticRunsAllowed: true,
    });
    await h.waitForStatus(
      await h.request({ runbookId: 'looping', params: { port: port() }, context: { alert_labels: { instance: 'db-9' } } }),
      ['succeeded'],
    );
    const actions = (await h.app.get(AuditLog).recent(50)).map((e) => `${e.actor}:${e.action}`);
    expect(actions).toEqual(expect.arrayContaining(['ada:automation.pause', 'ada:automation.resume']));
  });

  it('skips an automatic request for a runbook that does not exist, and escalates it', async () => {
    const requestId = await h.request({ runbookId: 'no_such_runbook', fingerprint: '0123456789abcdef' });
    expect((await h.waitForStatus(requestId, ['skipped'])).status_reason).toBe('runbook no_such_runbook is not loaded');
    expect(await failedEventOf(requestId)).toMatchObject({ status: 'skipped', escalate: true, fingerprint: '0123456789abcdef' });
  });
});

describe('metrics', () => {
  it('exposes remediation counts and durations, step durations, running, approvals pending and circuit state', async () => {
    const body = (await h.inject('GET', '/metrics', { token: null })).body;
    expect(body).toMatch(/firebreak_auto_remediation_total\{runbook="fragile",result="failed"\} 2/);
    expect(body).toMatch(/firebreak_auto_remediation_total\{runbook="looping",result="skipped"\} \d/);
    expect(body).toMatch(/firebreak_auto_remediation_duration_seconds_bucket\{le="[^"]+",runbook="fragile",result="failed"\}/);
    expect(body).toMatch(/firebreak_runbook_step_duration_seconds_count\{runbook="looping",step_type="http",status="succeeded"\}/);
    expect(body).toMatch(/firebreak_runbook_circuit_open\{runbook="fragile"\} [01]/);
    expect(body).toMatch(/firebreak_runbook_executions_running \d/);
    expect(body).toMatch(/firebreak_runbook_approvals_pending \d/);
  });
});
