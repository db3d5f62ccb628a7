import { DataSource } from 'typeorm';
import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { AuditLog } from '@firebreak/platform';
import { EventPublisher } from '@firebreak/bus';
import { VerificationService } from '../verification/verification.service';
import { ExecutorHarness } from '../testing/executor-harness';

const target = new FakeHttpTarget();
let h: ExecutorHarness;

const probeRestart = {
  id: 'probe_restart',
  title: 'Probe and restart',
  severity: 'critical',
  concurrency: { key: '{{ alert.labels.instance }}', limit: 1 },
  steps: [
    {
      id: 'probe',
      uses: 'http',
      with: { url: 'http://{{ alert.labels.instance }}/health', expectStatus: [200] },
      retries: { max: 0 },
      onFailure: 'continue',
    },
    {
      id: 'restart',
      if: "steps.probe.outcome == 'failure'",
      uses: 'http',
      mutating: true,
      with: {
        method: 'POST',
        url: 'http://{{ alert.labels.instance }}/services/{{ alert.labels.service }}/restart',
        body: { service: '{{ alert.labels.service }}' },
      },
    },
    {
      id: 'tell',
      uses: 'notify',
      with: { channels: ['team-slack'], text: 'restarted {{ alert.labels.service }} on {{ alert.labels.instance }}' },
    },
  ],
};

const slowWait = {
  id: 'slow_wait',
  title: 'Wait a long time',
  severity: 'warning',
  onCancel: 'rollback',
  steps: [
    {
      id: 'mark',
      uses: 'http',
      mutating: true,
      with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/mark' },
      rollback: [{ uses: 'http', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/unmark' } }],
    },
    { id: 'pause', uses: 'wait', with: { duration: '10m' } },
  ],
};

const verified = {
  id: 'verified_fix',
  title: 'Fix and check it helped',
  severity: 'critical',
  verify: { resolvedWithin: '1s' },
  steps: [
    {
      id: 'fix',
      uses: 'http',
      mutating: true,
      with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/fix' },
      rollback: [{ id: 'unfix', uses: 'http', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/unfix' } }],
    },
  ],
};

const echo = {
  id: 'echo_service',
  title: 'Echo a label through a command',
  severity: 'warning',
  steps: [
    { id: 'say', uses: 'command', with: { path: '/bin/echo', args: ['restarting', '{{ alert.labels.service }}'] } },
    { id: 'flag', uses: 'command', with: { path: '/bin/echo', args: ['{{ alert.labels.service }}'] } },
    { id: 'shell', uses: 'command', with: { path: '/bin/sh', args: ['-c', 'echo {{ alert.labels.service }}'] } },
  ],
};

const context = (labels: Record<string, string>) => ({
  alert_name: 'ServiceDown',
  alert_labels: labels,
  alert_annotations: {},
  severity: 'critical' as const,
  fingerprint: 'a1b2c3d4e5f60718',
});

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness(
    {
      'probe_restart.yaml': probeRestart,
      'slow_wait.yaml': slowWait,
      'verified_fix.yaml': verified,
      'verified_slow.yaml': { ...verified, id: 'verified_slow', verify: { resolvedWithin: '1h' } },
      'echo_service.yaml': echo,
      'slow_wait.md': '# Slow wait\n\n## Symptoms\nNone.\n',
      'broken.yaml': {
        id: 'broken',
        title: 'Broken',
        severity: 'critical',
        steps: [
          { id: 'x', uses: 'teleport', with: {} },
          { id: 'y', uses: 'http', with: { url: 'http://x/{{{ alert.labels.a }}}' } },
        ],
      },
    },
    { env: { FIREBREAK_RUNBOOK_COMMANDS_ALLOW: '/bin/echo' } },
  ).start(process.env);
});

afterAll(async () => {
  await h?.stop();
  await target.stop();
});

beforeEach(() => target.reset());

describe('executions from runbooks.requested', () => {
  it('runs the runbook, stores every attempt and announces started, steps and success', async () => {
    target.on('GET', '/health', () => ({ status: 503 }));
    const requestId = await h.request({
      runbookId: 'probe_restart',
      fingerprint: 'a1b2c3d4e5f60718',
      context: context({ instance: `127.0.0.1:${new URL(target.url).port}`, service: 'api' }),
    });
    const row = await h.waitForStatus(requestId, ['succeeded']);
    expect(target.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /health', 'POST /services/api/restart']);
    expect(target.requests[1].body).toEqual({ service: 'api' });

    const detail = (await h.inject('GET', `/api/v1/executions/${row.id}`, { token: 'viewer' })).json();
    expect(detail.steps.map((s: { id: string; outcome: string; attempts: unknown[] }) => [s.id, s.outcome, s.attempts.length])).toEqual([
      ['probe', 'failure', 1],
      ['restart', 'success', 1],
      ['tell', 'success', 1],
    ]);
    expect(detail.steps[0].attempts[0]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('HTTP 503'),
      outputExcerpt: expect.stringContaining('HTTP 503'),
    });

    await waitFor(() => h.eventsOf('runbooks.execution.succeeded', (d) => d.executionId === row.id).length === 1);
    expect(h.eventsOf('runbooks.execution.started', (d) => d.executionId === row.id)).toHaveLength(1);
    const steps = h.eventsOf('runbooks.execution.step', (d) => d.executionId === row.id).map((d) => `${d.stepId}:${d.status}`);
    expect(steps).toEqual(['probe:running', 'probe:failed', 'restart:running', 'restart:succeeded', 'tell:running', 'tell:succeeded']);
    await waitFor(() => h.eventsOf('notifications.requested', (d) => d.executionId === row.id).length === 1);
    expect(h.eventsOf('notifications.requested', (d) => d.executionId === row.id)[0]).toMatchObject({
      channels: ['team-slack'],
      text: expect.stringContaining('restarted api'),
    });
  });

  it('starts at most one execution per request id, whatever the event id', async () => {
    const labels = { instance: `127.0.0.1:${new URL(target.url).port}`, service: 'once' };
    const requestId = await h.request({ runbookId: 'probe_restart', context: context(labels) }, 'event-one');
    await h.request({ runbookId: 'probe_restart', requestId, context: context(labels) }, 'event-two');
    await h.waitForStatus(requestId, ['succeeded']);
    await waitFor(() => h.eventsOf('runbooks.requested', (d) => d.requestId === requestId).length === 2);
    const rows = await h.app.get(DataSource).query(`SELECT id FROM "${h.id}".executions WHERE request_id = $1`, [requestId]);
    expect(rows).toHaveLength(1);
    expect(target.requests.filter((r) => r.path === '/health')).toHaveLength(1);
  });

  it('keeps hostile label values inert: URL-encoded in paths, refused as a host, and the refusal is recorded', async () => {
    const port = new URL(target.url).port;
    target.on('GET', '/health', () => ({ status: 500 }));
    const value = "; rm -rf / $(id) '; DROP TABLE x; --/../admin?x=1#f";
    const hostile = await h.request({ runbookId: 'probe_restart', context: context({ instance: `127.0.0.1:${port}`, service: value }) });
    await h.waitForStatus(hostile, ['succeeded']);
    const restart = target.requests.find((r) => r.method === 'POST')!;
    expect(restart.path).toBe(`/services/${encodeURIComponent(value)}/restart`);
    expect(restart.query).toEqual({});
    expect(restart.body).toEqual({ service: value });

    target.reset();
    const evil = await h.request({ runbookId: 'probe_restart', context: context({ instance: 'evil.example.com', service: 'api' }) });
    const row = await h.waitForStatus(evil, ['failed']);
    expect(target.requests).toHaveLength(0);
    const detail = (await h.inject('GET', `/api/v1/executions/${row.id}`)).json();
    expect(detail.steps[0].attempts[0]).toMatchObject({
      status: 'failed',
      refused: true,
      error: expect.stringMatching(/refused \(http-allow\): host "evil.example.com" is not in FIREBREAK_RUNBOOK_HTTP_ALLOW/),
    });
    await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id).length === 1);
    expect(h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id)[0]).toMatchObject({ status: 'failed', escalate: true });
  });
});

describe('commands with hostile labels', () => {
  const stepsOf = async (requestId: string) => {
    const row = await h.waitForStatus(requestId, ['succeeded', 'failed']);
    return (await h.inject('GET', `/api/v1/executions/${row.id}`)).json().steps as Array<{
      id: string;
      attempts: Array<{ status: string; refused: boolean; error: string | null; outputExcerpt: string | null }>;
    }>;
  };

  it('passes a label as one inert argv entry, and records the refusal of an option-like value and of a non-allow-listed shell', async () => {
    const inert = await stepsOf(
      await h.request({
        runbookId: 'echo_service',
        context: { alert_labels: { service: "$(id); rm -rf / `reboot` '; DROP TABLE x; --" } },
      }),
    );
    expect(inert[0].attempts[0].outputExcerpt).toContain("restarting $(id); rm -rf / `reboot` '; DROP TABLE x; --");
    expect(inert[1].attempts[0].status).toBe('succeeded');
    expect(inert[2].attempts[0]).toMatchObject({
      status: 'failed',
      refused: true,
      error: 'refused (command-allow): /bin/sh is not in FIREBREAK_RUNBOOK_COMMANDS_ALLOW',
    });

    const option = await stepsOf(await h.request({ runbookId: 'echo_service', context: { alert_labels: { service: '--help' } } }));
    // GNU getopt reads options after positionals too, so any entry a value would start with "-" is refused.
    expect(option[0].attempts[0]).toMatchObject({
      status: 'failed',
      refused: true,
      error: expect.stringMatching(/^refused \(command-arg\): argument 1 = "--help" would start with "-"/),
    });
    expect(option[1].attempts).toEqual([]);
    const metrics = (await h.inject('GET', '/metrics', { token: null })).body;
    expect(metrics).toMatch(/firebreak_runbook_refusals_total\{runbook="echo_service",rule="command-allow"\} 1/);
  });
});

describe('cancel', () => {
  it('stops an execution during a wait, rolls back what it did, and records who and why', async () => {
    const port = new URL(target.url).port;
    const started = await h.inject('POST', '/api/v1/runbooks/slow_wait/execute', {
      token: 'operator',
      payload: { params: { port }, reason: 'test' },
    });
    expect(started.statusCode).toBe(202);
    const { executionId } = started.json();
    await waitFor(async () => (await h.inject('GET', `/api/v1/executions/${executionId}`)).json().steps[1].attempts.length === 1);
    const cancel = await h.inject('POST', `/api/v1/executions/${executionId}/cancel`, {
      token: 'operator',
      payload: { reason: 'wrong host' },
    });
    expect(cancel.statusCode).toBe(202);
    await waitFor(async () => (await h.inject('GET', `/api/v1/executions/${executionId}`)).json().status === 'cancelled', {
      timeoutMs: 5_000,
    });
    const detail = (await h.inject('GET', `/api/v1/executions/${executionId}`)).json();
    expect(detail.statusReason).toBe('wrong host (by otto)');
    expect(detail.steps.map((s: { id: string; attempts: Array<{ status: string }> }) => [s.id, s.attempts.map((a) => a.status)])).toEqual([
      ['mark', ['succeeded']],
      ['pause', ['cancelled']],
      ['mark_rollback_1', ['succeeded']],
    ]);
    expect(target.requests.map((r) => r.path)).toEqual(['/mark', '/unmark']);
    await waitFor(() => h.eventsOf('runbooks.execution.cancelled', (d) => d.executionId === executionId).length === 1);
    expect(h.eventsOf('runbooks.execution.cancelled', (d) => d.executionId === executionId)[0]).toMatchObject({
      cancelledBy: 'otto',
      reason: 'wrong host (by otto)',
    });
    expect(
      (await h.app.get(AuditLog).recent(20)).some((entry) => entry.action === 'execution.cancel' && entry.target === executionId),
    ).toBe(true);
    expect(
      (await h.inject('POST', `/api/v1/executions/${executionId}/cancel`, { token: 'operator', payload: { reason: 'again' } })).statusCode,
    ).toBe(409);
  });
});

describe('verification', () => {
  const port = () => new URL(target.url).port;

  it('marks a run ineffective when its alert still fires after resolvedWithin, rolls it back and escalates', async () => {
    const requestId = await h.request({ runbookId: 'verified_fix', fingerprint: '1111222233334444', params: { port: port() } });
    const row = await h.waitForStatus(requestId, ['ineffective'], 10_000);
    expect(row.status_reason).toBe('automation ran and did not help: the alert was still firing 1s after the run succeeded');
    expect(target.requests.map((r) => r.path)).toEqual(['/fix', '/unfix']);
    await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id).length === 1);
    expect(h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id)[0]).toMatchObject({
      status: 'ineffective',
      escalate: true,
      fingerprint: '1111222233334444',
    });
    expect(h.eventsOf('runbooks.execution.succeeded', (d) => d.executionId === row.id)).toHaveLength(1);
  });

  it('keeps a run that helped: the mapper announced the alert resolved inside the window', async () => {
    const requestId = await h.request({ runbookId: 'verified_slow', fingerprint: '5555666677778888', params: { port: port() } });
    await h.waitForStatus(requestId, ['succeeded']);
    await h.app.get(EventPublisher).publish('alerts.state.changed', {
      fingerprint: '5555666677778888',
      alertname: 'X',
      severity: 'critical',
      from: 'firing',
      to: 'resolved',
      at: new Date().toISOString(),
    });
    await waitFor(async () => (await h.executionByRequest(requestId))?.verify_status === 'effective');
    // Only pending verifications are ever swept: an effective one stays succeeded whenever its window ends.
    await h.app.get(VerificationService).sweepDue();
    expect((await h.executionByRequest(requestId))?.status).toBe('succeeded');
    expect(target.requests.map((r) => r.path)).toEqual(['/fix']);
  });
});

describe('manual modes', () => {
  it('dry_run skips mutating steps and reports them; a drill is timed against its target and listed apart', async () => {
    const port = new URL(target.url).port;
    const dry = (
      await h.inject('POST', '/api/v1/runbooks/verified_fix/execute', { token: 'operator', payload: { mode: 'dry_run', params: { port } } })
    ).json();
    await waitFor(async () => (await h.inject('GET', `/api/v1/executions/${dry.executionId}`)).json().status === 'succeeded');
    const detail = (await h.inject('GET', `/api/v1/executions/${dry.executionId}`)).json();
    expect(detail.steps[0]).toMatchObject({
      id: 'fix',
      outcome: 'skipped',
      attempts: [{ status: 'skipped', error: 'dry_run: mutating step not run' }],
    });

    const drill = await h.inject('POST', '/api/v1/drills', {
      token: 'operator',
      payload: { runbookId: 'probe_restart', context: context({ instance: `127.0.0.1:${port}`, service: 'x' }) },
    });
    expect(drill.statusCode).toBe(202);
    await waitFor(async () => (await h.inject('GET', `/api/v1/executions/${drill.json().executionId}`)).json().status === 'succeeded');
    const drills = (await h.inject('GET', '/api/v1/drills', { token: 'viewer' })).json().items;
    expect(drills).toEqual([
      expect.objectContaining({
        id: drill.json().executionId,
        mode: 'drill',
        trigger: 'drill',
        drill: { targetMs: 120_000, durationMs: expect.any(Number), metTarget: true },
      }),
    ]);
    expect(target.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(
      (await h.inject('POST', '/api/v1/drills', { token: 'operator', payload: { runbookId: 'probe_restart', target: 'soon' } })).json()
        .error.message,
    ).toMatch(/^target: /);
  });
});

describe('API', () => {
  it('lists runbooks with prose and reports a bad file with its path and field, the others still loaded', async () => {
    const list = (await h.inject('GET', '/api/v1/runbooks', { token: 'viewer' })).json();
    expect(list.runbooks.map((r: { id: string }) => r.id).sort()).toEqual([
      'echo_service',
      'probe_restart',
      'slow_wait',
      'verified_fix',
      'verified_slow',
    ]);
    expect(list.loadErrors).toEqual([
      {
        id: 'broken',
        file: expect.stringMatching(/broken\.yaml$/),
        problems: [expect.stringMatching(/^steps\.0\.uses: uses must be one of http, command/)],
      },
    ]);
    const one = (await h.inject('GET', '/api/v1/runbooks/slow_wait', { token: 'viewer' })).json();
    expect(one).toMatchObject({
      loaded: true,
      prose: expect.stringContaining('## Symptoms'),
      definition: { id: 'slow_wait', onCancel: 'rollback' },
    });
    expect((await h.inject('GET', '/api/v1/runbooks/broken', { token: 'viewer' })).json()).toMatchObject({
      loaded: false,
      loadErrors: [{ file: expect.stringMatching(/broken\.yaml$/) }],
    });
    expect((await h.inject('GET', '/api/v1/runbooks/nope', { token: 'viewer' })).statusCode).toBe(404);
    expect(
      (await h.inject('GET', `/api/v1/runbooks/${encodeURIComponent('../../etc/passwd')}`, { token: 'viewer' })).json().error.message,
    ).toMatch(/the runbook id in the path must be/);
  });

  it('guards by role and answers bad input with 400 naming the field', async () => {
    expect((await h.inject('POST', '/api/v1/runbooks/slow_wait/execute', { token: null, payload: {} })).statusCode).toBe(401);
    expect((await h.inject('POST', '/api/v1/runbooks/slow_wait/execute', { token: 'viewer', payload: {} })).statusCode).toBe(403);
    const bad = await h.inject('POST', '/api/v1/runbooks/slow_wait/execute', {
      token: 'operator',
      payload: { mode: 'yolo', context: { alert_labels: { a: 5 } } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/context\.alert_labels\.a: .*mode: /s);
    expect((await h.inject('POST', '/api/v1/runbooks/nope/execute', { token: 'operator', payload: {} })).statusCode).toBe(404);
    expect((await h.inject('GET', '/api/v1/executions/not-a-uuid')).statusCode).toBe(400);
    expect((await h.inject('GET', '/api/v1/executions?limit=0')).json().error.message).toMatch(/^limit: /);
    expect(
      (await h.inject('POST', '/api/v1/executions/00000000-0000-4000-8000-000000000000/cancel', { token: 'operator', payload: {} })).json()
        .error.message,
    ).toMatch(/^reason: /);
  });

  it('pages through executions with a cursor and filters them', async () => {
    const first = (await h.inject('GET', '/api/v1/executions?limit=2&runbook=probe_restart')).json();
    expect(first.items).toHaveLength(2);
    const second = (await h.inject('GET', `/api/v1/executions?limit=2&runbook=probe_restart&cursor=${first.nextCursor}`)).json();
    expect(second.items.length).toBeGreaterThan(0);
    expect(second.items.map((i: { id: string }) => i.id)).not.toContain(first.items[0].id);
    const failed = (await h.inject('GET', '/api/v1/executions?status=failed')).json();
    expect(failed.items.every((i: { status: string }) => i.status === 'failed')).toBe(true);
  });
});
