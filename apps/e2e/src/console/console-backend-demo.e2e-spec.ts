import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { alertFingerprint } from '@firebreak/contracts';
import { waitFor } from '@firebreak/testing';
import { ROOT, Stack } from '../stack';

const run = promisify(execFile);
const WEBHOOK_TOKEN = 'demo-e2e-webhook-token';
const VIEWER = 'demo-e2e-viewer-token';

interface Execution {
  runbookId: string;
  status: string;
}

/**
 * `npm run demo` against the real services: what a newcomer should see after `npm start` — the alert
 * arrives, is analysed, runs its runbook (which succeeds on a machine with nothing but Firebreak) and resolves.
 */
describe('npm run demo', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = new Stack({
      apps: ['ingress', 'mapper', 'knowledge'],
      env: { FIREBREAK_WEBHOOK_TOKENS: WEBHOOK_TOKEN, FIREBREAK_API_TOKENS: `${VIEWER}:viewer:demo-e2e` },
    });
    await stack.start();
    // As npm start does: the demo runbook probes the ingress the operator names, never an alert label.
    await stack.startService('runbook-executor', { FIREBREAK_RUNBOOK_VARS: `firebreak_ingress_url=${stack.url('ingress')}` });
  });

  afterAll(async () => {
    await stack?.cleanUp();
  });

  const get = async <T>(app: 'mapper' | 'runbook-executor' | 'knowledge', path: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${stack.url(app)}${path}`, { headers: { authorization: `Bearer ${VIEWER}` } });
    return { status: response.status, body: (await response.json()) as T };
  };

  it('sends sample alerts that are analysed, run the demo runbook to success, and resolve', async () => {
    const demo = run(process.execPath, [join(ROOT, 'dist', 'tools', 'demo', 'main.js'), '--resolve-after', '15s'], {
      env: { ...process.env, FIREBREAK_URL_INGRESS: stack.url('ingress'), FIREBREAK_WEBHOOK_TOKENS: WEBHOOK_TOKEN },
    });
    const instance = `127.0.0.1:${new URL(stack.url('ingress')).port}`;
    const fingerprint = alertFingerprint({ alertname: 'FirebreakDemoProbe', instance, job: 'firebreak-demo', severity: 'warning' });

    await waitFor(async () => (await get(`mapper`, `/api/v1/alerts/${fingerprint}`)).status === 200, {
      timeoutMs: 20_000,
      message: 'the demo alert in the mapper',
    });
    let executions: Execution[] = [];
    await waitFor(
      async () => {
        executions = (await get<{ items: Execution[] }>('runbook-executor', `/api/v1/executions?fingerprint=${fingerprint}`)).body.items;
        return executions.some((execution) => execution.status === 'succeeded');
      },
      { timeoutMs: 30_000, message: () => `a succeeded run: ${JSON.stringify(executions)}` },
    );
    expect(executions.map((execution) => execution.runbookId)).toEqual(['demo_ingress_probe']);
    await waitFor(async () => (await get('knowledge', `/api/v1/alerts/${fingerprint}/analysis`)).status === 200, {
      timeoutMs: 30_000,
      message: 'the analysis of the demo alert',
    });

    const { stdout } = await demo;
    expect(stdout).toContain('Sent 3 sample alerts');
    expect(stdout).toContain('FirebreakDemoProbe');
    expect(stdout).toContain('Resolved the 3 sample alerts.');
    const alert = await get<{ status: string }>('mapper', `/api/v1/alerts/${fingerprint}`);
    expect(alert.body.status).toBe('resolved');
  });

  it('probes the ingress whatever the alert says: an instance label naming a closed port does not change the target', async () => {
    const labels = { alertname: 'FirebreakDemoProbe', instance: '127.0.0.1:9', job: 'firebreak-demo', severity: 'warning' };
    const alert = {
      status: 'firing',
      labels,
      annotations: { automation_runbook: 'demo_ingress_probe' },
      startsAt: new Date().toISOString(),
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
    };
    const posted = await fetch(`${stack.url('ingress')}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        groupKey: '{}:{alertname="FirebreakDemoProbe"}',
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'firebreak',
        groupLabels: {},
        commonLabels: labels,
        commonAnnotations: {},
        externalURL: 'http://alertmanager.example:9093',
        alerts: [alert],
      }),
    });
    expect(posted.status).toBe(200);
    const fingerprint = alertFingerprint(labels);
    let executions: Execution[] = [];
    await waitFor(
      async () => {
        executions = (await get<{ items: Execution[] }>('runbook-executor', `/api/v1/executions?fingerprint=${fingerprint}`)).body.items;
        return executions.some((execution) => !['queued', 'running', 'waiting_approval'].includes(execution.status));
      },
      { timeoutMs: 30_000, message: () => `a finished run: ${JSON.stringify(executions)}` },
    );
    expect(executions.map((execution) => [execution.runbookId, execution.status])).toEqual([['demo_ingress_probe', 'succeeded']]);
  });

  it('says in one line that the ingress is unreachable, and exits 1', async () => {
    const failed = await run(process.execPath, [join(ROOT, 'dist', 'tools', 'demo', 'main.js')], {
      env: { ...process.env, FIREBREAK_URL_INGRESS: 'http://127.0.0.1:9' },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1 });
    const stderr = (failed as { stderr: string }).stderr.trim();
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^demo: the ingress at http:\/\/127\.0\.0\.1:9 is unreachable/);
  });
});
