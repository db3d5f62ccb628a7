import { alertFingerprint } from '@firebreak/contracts';
import { FakeHttpTarget, FakeSlack, waitFor } from '@firebreak/testing';
import { Stack } from './stack';

const WEBHOOK_TOKEN = 'e2e-webhook-token-0002';
const API_TOKEN = 'e2e-viewer-token-0002';

interface Execution {
  id: string;
  runbookId: string;
  status: string;
}

/**
 * An alert posted to the ingress runs its runbook: the shipped `service_unavailable` probes the
 * instance's /health. A healthy instance ends in success; an unhealthy one cannot be restarted
 * (no orchestrator configured), so the run fails and the alert escalates to Slack.
 */
describe('alerts in, runbooks act', () => {
  const slack = new FakeSlack();
  const healthy = new FakeHttpTarget();
  const broken = new FakeHttpTarget();
  let stack: Stack;

  beforeAll(async () => {
    await Promise.all([slack.start(), healthy.start(), broken.start()]);
    broken.on('GET', '/health', () => ({ status: 503, body: { status: 'down' } }));
    stack = new Stack({
      apps: ['ingress', 'mapper', 'runbook-executor', 'notifier'],
      env: {
        FIREBREAK_WEBHOOK_TOKENS: WEBHOOK_TOKEN,
        FIREBREAK_API_TOKENS: `${API_TOKEN}:viewer:e2e`,
        SLACK_WEBHOOK_URL: slack.webhookUrl(),
      },
      // service_unavailable probes only an instance listed for the alert's job.
      configFiles: {
        'services.yaml': `services:\n  api: ['127.0.0.1:${new URL(healthy.url).port}', '127.0.0.1:${new URL(broken.url).port}']\n`,
      },
    });
    await stack.start();
  });

  afterAll(async () => {
    await stack?.cleanUp();
    await Promise.all([slack.stop(), healthy.stop(), broken.stop()]);
  });

  async function postServiceDown(instance: string): Promise<string> {
    const labels = { alertname: 'ServiceDown', instance, job: 'api', service: 'api', severity: 'critical' };
    const body = {
      version: '4',
      groupKey: '{}:{alertname="ServiceDown"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'firebreak',
      groupLabels: { alertname: 'ServiceDown' },
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: 'http://alertmanager.example:9093',
      alerts: [
        {
          status: 'firing',
          labels,
          annotations: { summary: `${instance} is down` },
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: '',
        },
      ],
    };
    const response = await fetch(`${stack.url('ingress')}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return alertFingerprint(labels);
  }

  let lastSeen: Execution[] = [];
  async function executionsFor(fingerprint: string): Promise<Execution[]> {
    const response = await fetch(`${stack.url('runbook-executor')}/api/v1/executions?fingerprint=${fingerprint}`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    lastSeen = ((await response.json()) as { items: Execution[] }).items;
    return lastSeen;
  }

  it('runs the mapped runbook, whose http step reaches the instance and succeeds', async () => {
    const fingerprint = await postServiceDown(`127.0.0.1:${new URL(healthy.url).port}`);
    await waitFor(async () => (await executionsFor(fingerprint)).some((execution) => execution.status === 'succeeded'), {
      timeoutMs: 60_000,
      message: () => `executions: ${JSON.stringify(lastSeen)}`,
    });
    const [execution] = await executionsFor(fingerprint);
    expect(execution.runbookId).toBe('service_unavailable');
    expect(healthy.requests.filter((request) => request.method === 'GET' && request.path === '/health')).toHaveLength(1);
  });

  it('escalates to Slack when the runbook cannot fix it', async () => {
    const instance = `127.0.0.1:${new URL(broken.url).port}`;
    const fingerprint = await postServiceDown(instance);
    await waitFor(async () => (await executionsFor(fingerprint)).some((execution) => execution.status === 'failed'), {
      timeoutMs: 60_000,
      message: () => `executions: ${JSON.stringify(lastSeen)}`,
    });
    await waitFor(
      () => slack.messages.some((message) => JSON.stringify(message).includes('ESCALATED') && JSON.stringify(message).includes(instance)),
      {
        timeoutMs: 30_000,
        message: () => `no escalation in Slack: ${JSON.stringify(slack.messages.map((message) => message.text))}`,
      },
    );
    expect(broken.requests.filter((request) => request.path === '/health').length).toBeGreaterThanOrEqual(1);
  });
});
