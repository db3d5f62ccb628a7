import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { ROOT, Stack } from '../stack';
import { ConsoleTab, launchBrowser } from './browser';

const TOKENS = { admin: 'admintoken1', olga: 'optoken-olga1', oscar: 'optoken-oscar1', viewer: 'viewertoken1' } as const;
const API_TOKENS = `${TOKENS.admin}:admin:ada,${TOKENS.olga}:operator:olga,${TOKENS.oscar}:operator:oscar,${TOKENS.viewer}:viewer:vic`;

/** A runbook whose high-risk approval step must be granted by someone other than who started it. */
const APPROVAL_RUNBOOK = {
  id: 'e2e_console_approval',
  title: 'E2E console approval',
  severity: 'warning',
  mode: 'manual',
  approvalTimeout: '10m',
  steps: [
    { id: 'ask', uses: 'approval', risk: 'high', with: { summary: 'Restart the e2e service?' } },
    { id: 'pause', uses: 'wait', with: { duration: '200ms' } },
  ],
};

/** A dry run of this one skips its mutating step and says why. */
const DRY_RUN_RUNBOOK = {
  id: 'e2e_console_dry',
  title: 'E2E console dry run',
  severity: 'info',
  mode: 'manual',
  steps: [
    { id: 'look', uses: 'wait', with: { duration: '100ms' } },
    { id: 'change', uses: 'wait', mutating: true, with: { duration: '100ms' } },
  ],
};

/**
 * The built page as it is now, in a folder of its own: an `npm run build` running meanwhile (in this
 * checkout, from another terminal) empties dist/apps/console/web and would swap the page mid-test.
 */
function webCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-console-web-'));
  cpSync(join(ROOT, 'dist', 'apps', 'console', 'web'), dir, { recursive: true });
  return dir;
}

interface Execution {
  status: string;
  approvals: Array<{ status: string; decidedBy: string | null }>;
}

/**
 * The console's Executions, Approvals, SLOs, Detectors and Notifications pages in headless Chromium
 * against a running stack: every page loads without console errors (a screenshot each), an approval
 * is granted from the inbox by a second operator and the run finishes, Cancel and Retry work from the
 * UI, and a viewer is offered none of those buttons.
 */
describe('console: executions, approvals, SLOs, detectors, notifications', () => {
  const hook = new FakeHttpTarget();
  let stack: Stack;
  let browser: Browser;
  let consoleUrl: string;
  let webDir: string;
  const tabs: ConsoleTab[] = [];

  beforeAll(async () => {
    webDir = webCopy();
    await hook.start();
    // Refused for good: the delivery fails at once, so there is a failed one to retry.
    hook.on('POST', '/hook', () => ({ status: 400, body: { error: 'no thanks' } }));
    stack = new Stack({
      apps: ['runbook-executor', 'slo-reporter', 'detector-scheduler', 'notifier', 'console'],
      env: { FIREBREAK_API_TOKENS: API_TOKENS, FIREBREAK_CONSOLE_WEB_DIR: webDir },
      configFiles: {
        'channels.yaml': `channels:\n  - { name: e2e-hook, type: webhook, url: "${hook.url}/hook" }\nroutes:\n  - { matchers: ['severity="critical"'], channels: [e2e-hook] }\n`,
      },
    });
    await stack.start();
    consoleUrl = stack.url('console');
    browser = await launchBrowser();
    await putRunbook(APPROVAL_RUNBOOK);
    await putRunbook(DRY_RUN_RUNBOOK);
  }, 180_000);

  // Each tab holds a live stream and the console allows a token only a few at once: close them per test.
  afterEach(async () => {
    for (const tab of tabs.splice(0)) await tab.close().catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.cleanUp();
    await hook.stop();
    rmSync(webDir, { recursive: true, force: true });
  });

  async function call<T>(service: 'runbook-executor' | 'notifier', token: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${stack.url(service)}/api${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  async function putRunbook(definition: { id: string }) {
    await call('runbook-executor', TOKENS.admin, 'PUT', `/v1/runbooks/${definition.id}`, definition);
  }

  async function start(runbook: string, token: string, mode: 'live' | 'dry_run' = 'live'): Promise<string> {
    const answer = await call<{ executionId: string }>('runbook-executor', token, 'POST', `/v1/runbooks/${runbook}/execute`, {
      mode,
      reason: 'console e2e',
    });
    return answer.executionId;
  }

  const execution = (id: string) => call<Execution>('runbook-executor', TOKENS.admin, 'GET', `/v1/executions/${id}`);

  async function waitForStatus(id: string, status: string): Promise<Execution> {
    let last: Execution | undefined;
    await waitFor(async () => (last = await execution(id)).status === status, {
      timeoutMs: 30_000,
      intervalMs: 200,
      message: () => `execution ${id} never became ${status}: ${JSON.stringify(last)}`,
    });
    return last!;
  }

  async function open(token: string, path: string): Promise<ConsoleTab> {
    const tab = await ConsoleTab.open(browser, consoleUrl, token, path);
    tabs.push(tab);
    return tab;
  }

  it('grants an approval from the inbox by a second operator (the starter is refused with the API message), and the run succeeds', async () => {
    const olga = await open(TOKENS.olga, '/approvals');
    await olga.page.getByText('No pending approvals.').waitFor();
    const id = await start(APPROVAL_RUNBOOK.id, TOKENS.olga);

    // Live: the inbox shows the new approval without a reload.
    const row = olga.page.getByTestId('approvals').getByRole('row').filter({ hasText: 'Restart the e2e service?' });
    await row.waitFor();
    await row.getByText('high').waitFor();
    await row.getByText('olga').waitFor();
    await row.getByRole('button', { name: 'Approve' }).click();
    await row.getByRole('alert').filter({ hasText: 'may not also approve' }).waitFor();
    expect((await execution(id)).status).toBe('waiting_approval');

    const oscar = await open(TOKENS.oscar, '/approvals');
    const oscarRow = oscar.page.getByTestId('approvals').getByRole('row').filter({ hasText: 'Restart the e2e service?' });
    await oscarRow.waitFor();
    await oscar.screenshot('approvals');
    await oscarRow.getByRole('textbox', { name: 'note' }).fill('looks right');
    await oscarRow.getByRole('button', { name: 'Approve' }).click();

    const done = await waitForStatus(id, 'succeeded');
    expect(done.approvals).toEqual([expect.objectContaining({ status: 'approved', decidedBy: 'oscar' })]);
    await oscar.page.getByText('No pending approvals.').waitFor();

    await oscar.goto(consoleUrl, `/executions/${id}`);
    await oscar.page
      .getByRole('heading', { name: /E2E console approval/ })
      .getByText('succeeded')
      .waitFor();
    await oscar.page.getByTestId('step-pause').getByText('success').waitFor();
    await oscar.screenshot('execution-detail');
    expect(olga.errors.filter((error) => !error.includes('403'))).toEqual([]);
    expect(oscar.errors).toEqual([]);
  });

  it('cancels a waiting run from its page, with a reason', async () => {
    const id = await start(APPROVAL_RUNBOOK.id, TOKENS.olga);
    await waitForStatus(id, 'waiting_approval');
    const tab = await open(TOKENS.oscar, `/executions/${id}`);
    await tab.page.getByTestId('pending-approval').waitFor();
    await tab.page.getByRole('textbox', { name: 'cancel reason' }).fill('not today');
    await tab.page.getByRole('button', { name: 'Cancel' }).click();
    await waitForStatus(id, 'cancelled');
    await tab.page.getByRole('heading').getByText('cancelled').waitFor();
    expect(tab.errors).toEqual([]);
  });

  it('shows the steps a dry run skipped and why', async () => {
    const id = await start(DRY_RUN_RUNBOOK.id, TOKENS.admin, 'dry_run');
    await waitForStatus(id, 'succeeded');
    const tab = await open(TOKENS.viewer, `/executions/${id}`);
    await tab.page.getByTestId('step-change').getByText('skipped: dry_run: mutating step not run').waitFor();
    await tab.page.getByTestId('step-look').getByText('success').waitFor();
    expect(tab.errors).toEqual([]);
  });

  it('lists executions live, SLOs (with a burn chart), detectors (Run now) and notifications (Retry) without console errors', async () => {
    const test = await call<{ deliveries: Array<{ id: string; status: string }> }>(
      'notifier',
      TOKENS.admin,
      'POST',
      '/v1/channels/e2e-hook/test',
      {},
    );
    expect(test.deliveries.map((delivery) => delivery.status)).toEqual(['failed']);
    const tab = await open(TOKENS.admin, '/executions');
    await tab.page.getByTestId('executions').getByRole('link', { name: 'E2E console approval' }).first().waitFor();
    // Live: a run started meanwhile shows up, and finishes, without a reload.
    const id = await start(DRY_RUN_RUNBOOK.id, TOKENS.admin, 'dry_run');
    await tab.page.getByTestId(`execution-${id}`).getByText('succeeded').waitFor();
    await tab.screenshot('executions');

    await tab.goto(consoleUrl, '/slos');
    await tab.page.getByTestId('slo-notification-delivery').waitFor();
    await tab.screenshot('slos');
    await tab.page.getByRole('link', { name: 'Notifications delivered' }).click();
    await tab.page.getByTestId('burn-chart').locator('canvas').waitFor();
    await tab.page.getByTestId('tiers').getByRole('row').nth(1).waitFor();
    await tab.page
      .getByTestId('compliance')
      .getByText(/days\)/)
      .waitFor();
    await tab.screenshot('slo-detail');

    await tab.goto(consoleUrl, '/detectors');
    const dlq = tab.page.getByTestId('detector-firebreak-dlq');
    await dlq.getByRole('button', { name: 'Run now' }).click();
    await dlq.getByRole('status').filter({ hasText: 'passed' }).waitFor();
    await dlq.locator('td').first().click();
    await tab.page.getByTestId('detector-runs').getByRole('row').nth(1).waitFor();
    await tab.screenshot('detectors');

    await tab.goto(consoleUrl, '/notifications?status=failed');
    const failed = tab.page.getByTestId(`delivery-${test.deliveries[0].id}`);
    await tab.page.getByTestId('channels').getByText('e2e-hook').waitFor();
    await tab.screenshot('notifications');
    const before = hook.requests.length;
    await failed.getByRole('button', { name: 'Retry' }).click();
    await waitFor(() => hook.requests.length > before, { timeoutMs: 15_000, message: 'the retried delivery was never sent again' });
    expect(tab.errors).toEqual([]);
  });

  it('starts one live run from a double click on Run live, after asking', async () => {
    const tab = await open(TOKENS.olga, `/runbooks/${DRY_RUN_RUNBOOK.id}`);
    const dialogs: string[] = [];
    tab.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.accept();
    });
    await tab.page.getByRole('button', { name: 'Run live' }).dblclick();
    await tab.page.getByTestId('run-result').getByText('succeeded').waitFor({ timeout: 20_000 });
    const { items } = await call<{ items: Array<{ id: string; requestedBy: string }> }>(
      'runbook-executor',
      TOKENS.admin,
      'GET',
      `/v1/executions?runbook=${DRY_RUN_RUNBOOK.id}&mode=live`,
    );
    expect(items.map((item) => item.requestedBy)).toEqual(['olga']);
    expect(dialogs).toEqual([expect.stringContaining('live')]);
    // This stack starts neither the mapper nor the knowledge service, which the runbook page also reads (502).
    expect(tab.errors.filter((error) => !error.includes('502 (Bad Gateway)'))).toEqual([]);
  });

  it('offers a viewer no Approve, Reject, Cancel or Retry, and the API refuses a forged approval', async () => {
    // A failed delivery of its own to look at (not one an earlier test happened to leave).
    const test = await call<{ deliveries: Array<{ id: string }> }>('notifier', TOKENS.admin, 'POST', '/v1/channels/e2e-hook/test', {});
    const id = await start(APPROVAL_RUNBOOK.id, TOKENS.olga);
    await waitForStatus(id, 'waiting_approval');
    const tab = await open(TOKENS.viewer, '/approvals');
    const row = tab.page.getByTestId('approvals').getByRole('row').filter({ hasText: 'Restart the e2e service?' });
    await row.first().waitFor();
    expect(await tab.page.getByRole('button', { name: /Approve|Reject/ }).count()).toBe(0);

    await tab.goto(consoleUrl, `/executions/${id}`);
    await tab.page.getByTestId('pending-approval').waitFor();
    expect(await tab.page.getByRole('button', { name: /Approve|Reject|Cancel/ }).count()).toBe(0);

    await tab.goto(consoleUrl, '/notifications?status=failed');
    await tab.page.getByTestId(`delivery-${test.deliveries[0].id}`).waitFor();
    expect(await tab.page.getByRole('button', { name: 'Retry' }).count()).toBe(0);

    await tab.goto(consoleUrl, '/detectors');
    await tab.page.getByTestId('detectors').waitFor();
    expect(await tab.page.getByRole('button', { name: /Run/ }).count()).toBe(0);

    const { items } = await call<{ items: Array<{ id: string; executionId: string }> }>(
      'runbook-executor',
      TOKENS.admin,
      'GET',
      '/v1/approvals?status=pending',
    );
    const approval = items.find((item) => item.executionId === id)!;
    const forged = await tab.page.evaluate(
      async ([approvalId, token]) => {
        const response = await fetch(`/api/runbook-executor/v1/approvals/${approvalId}/approve`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        });
        return response.status;
      },
      [approval.id, TOKENS.viewer] as const,
    );
    expect(forged).toBe(403);
    expect((await execution(id)).status).toBe('waiting_approval');
  });
});
