import { resolve } from 'node:path';
import { RunbookRequested } from '@firebreak/contracts';
import { FakeHttpTarget, uniqueTestId, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';

// The shipped runbooks, as an operator installs them: which ones opt in is part of what is tested.
const SHIPPED = resolve(__dirname, '../../../../runbooks');
const target = new FakeHttpTarget();
let h: ExecutorHarness;

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness(SHIPPED, {
    env: { FIREBREAK_RUNBOOK_HTTP_ALLOW: '127.0.0.1', FIREBREAK_RUNBOOK_VARS: `orchestrator_url=${target.url}` },
    config: {
      'connections.yaml': { connections: [{ name: 'firebreak', serviceDatabase: true }] },
      'services.yaml': { services: { 'optin-api': [`127.0.0.1:${new URL(target.url).port}`] } },
    },
  }).start(process.env);
});

afterAll(async () => {
  await h?.stop();
  await target.stop();
});

beforeEach(() => target.reset());

const detailOf = async (id: string) => (await h.inject('GET', `/api/v1/executions/${id}`, { token: 'viewer' })).json();

async function failedEventOf(executionId: string) {
  await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === executionId).length === 1);
  return h.eventsOf('runbooks.execution.failed', (d) => d.executionId === executionId)[0];
}

const fromAlert = (runbookId: string, selectedBy: RunbookRequested['selectedBy'], extra: Partial<RunbookRequested> = {}) =>
  h.request({
    runbookId,
    selectedBy,
    fingerprint: '0123456789abcdef',
    context: { alert_name: 'Whatever', alert_labels: {}, severity: 'warning' },
    ...extra,
  });

describe("a runbook chosen by an alert's automation_runbook annotation", () => {
  it('postgres_vacuum does not opt in: refused, recorded as skipped with the reason, escalated, and no step runs', async () => {
    const requestId = await fromAlert('postgres_vacuum', 'annotation');
    const row = await h.waitForStatus(requestId, ['skipped', 'succeeded', 'failed']);
    expect(row.status).toBe('skipped');
    expect(row.status_reason).toBe(
      "runbook postgres_vacuum was chosen by the alert's automation_runbook annotation, and it does not opt in to that (selectable: annotation)",
    );
    expect(row.started_at).toBeNull();
    expect(await failedEventOf(row.id)).toMatchObject({ status: 'skipped', escalate: true, fingerprint: '0123456789abcdef' });
    expect((await detailOf(row.id)).steps.every((step: { attempts: unknown[] }) => step.attempts.length === 0)).toBe(true);
    expect(h.eventsOf('runbooks.execution.started', (d) => d.executionId === row.id)).toEqual([]);
  });

  it('notify_admin does not opt in either: a sender cannot page the admins with its own text', async () => {
    const requestId = await fromAlert('notify_admin', 'annotation', {
      context: { alert_name: 'Pay', alert_annotations: { summary: 'wire money to evil' }, severity: 'critical' },
    });
    const row = await h.waitForStatus(requestId, ['skipped', 'succeeded', 'failed']);
    expect(row.status).toBe('skipped');
    expect(await failedEventOf(row.id)).toMatchObject({ status: 'skipped', escalate: true });
    expect(h.eventsOf('notifications.requested', (d) => d.executionId === row.id)).toEqual([]);
  });

  it('service_unavailable opts in: it runs', async () => {
    target.on('GET', '/health', () => ({ status: 200 }));
    const instance = `127.0.0.1:${new URL(target.url).port}`;
    const requestId = await fromAlert('service_unavailable', 'annotation', {
      context: { alert_name: 'ServiceDown', alert_labels: { instance, job: 'optin-api' }, severity: 'critical' },
    });
    const row = await h.waitForStatus(requestId, ['succeeded', 'failed', 'skipped']);
    expect(row.status).toBe('succeeded');
    expect(target.requests.filter((r) => r.path === '/health')).toHaveLength(1);
  });

  it('an unknown id is recorded as skipped and escalated', async () => {
    const requestId = await fromAlert('no_such_runbook', 'annotation');
    const row = await h.waitForStatus(requestId, ['skipped']);
    expect(row.status_reason).toBe('runbook no_such_runbook is not loaded');
    expect(await failedEventOf(row.id)).toMatchObject({ status: 'skipped', escalate: true });
  });
});

describe('a runbook chosen by an admin (mappings)', () => {
  // Three kinds (file_rule is the same path, in the gate's unit rows): postgres_vacuum's loop protection allows 3 runs an hour.
  it.each(['file_alertname', 'runtime', undefined] as const)(
    'postgres_vacuum chosen by %s runs, although it does not opt in to annotations',
    async (selectedBy) => {
      const row = await h.waitForStatus(await fromAlert('postgres_vacuum', selectedBy), ['succeeded', 'failed', 'skipped'], 60_000);
      expect(row.status).toBe('succeeded');
      expect((await detailOf(row.id)).steps.find((s: { id: string }) => s.id === 'vacuum').outcome).toBe('success');
    },
    70_000,
  );
});

describe('metrics', () => {
  it('label every id outside the catalogue "unknown", so sender-chosen ids make no series of their own', async () => {
    const ids = [uniqueTestId('invented'), uniqueTestId('invented')].map((id) => id.replace(/[^a-z0-9_]/g, '_'));
    for (const runbookId of ids) await h.waitForStatus(await fromAlert(runbookId, 'annotation'), ['skipped']);
    await h.waitForStatus(await h.request({ runbookId: uniqueTestId('manual').replace(/[^a-z0-9_]/g, '_'), trigger: 'manual' }), [
      'skipped',
    ]);
    const body = (await h.inject('GET', '/metrics', { token: null })).body;
    for (const id of ids) expect(body).not.toContain(id);
    expect(body).not.toMatch(/runbook="manual_/);
    expect(body).toMatch(/firebreak_runbook_automatic_skipped_total\{runbook="unknown",rule="unknown_runbook"\} [2-9]/);
    expect(body).toMatch(/firebreak_runbook_executions_total\{runbook="unknown",mode="live",status="skipped"\} [3-9]/);
    expect(body).toMatch(/firebreak_auto_remediation_total\{runbook="unknown",result="skipped"\} [3-9]/);
    // A catalogued runbook keeps its own label, refused or not.
    expect(body).toMatch(/firebreak_runbook_automatic_skipped_total\{runbook="postgres_vacuum",rule="not_selectable"\} [1-9]/);
  });
});
