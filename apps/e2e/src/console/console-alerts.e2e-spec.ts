import type { Browser } from 'playwright-core';
import { alertFingerprint } from '@firebreak/contracts';
import { waitFor } from '@firebreak/testing';
import { APPS, Stack } from '../stack';
import { ConsoleTab, launchBrowser } from './browser';

const WEBHOOK_TOKEN = 'console-alerts-webhook-token';
const ADMIN = 'console-alerts-admin-token';
const OPERATOR = 'console-alerts-operator-token';
const VIEWER = 'console-alerts-viewer-token';
const STARTED = ['ingress', 'mapper', 'runbook-executor', 'notifier', 'knowledge'] as const;
const HOSTILE_SCRIPT = '<script>alert(1)</script>';
const HOSTILE_IMG = '"><img src=x onerror=alert(1)>';

interface Alert {
  status: string;
  acknowledgement: { by: string | null } | null;
  silenceId: string | null;
}

/**
 * The console's Alerts, Alert detail, Silences, Runbooks and Health pages in Debian's Chromium against the
 * whole stack: alerts arrive live, operators act from the rows (checked through the mapper's API), a
 * viewer is offered no action and is refused one it forges, hostile label values stay text.
 */
describe('console: alerts, silences, runbooks, health', () => {
  let stack: Stack;
  let browser: Browser;
  let consoleUrl: string;
  const tabs: ConsoleTab[] = [];

  beforeAll(async () => {
    stack = new Stack({
      // Not the detector-scheduler and slo-reporter: fewer processes to start on a busy machine, and the
      // Health page then shows services that do not answer.
      apps: [...STARTED, 'console'],
      env: {
        FIREBREAK_WEBHOOK_TOKENS: WEBHOOK_TOKEN,
        FIREBREAK_API_TOKENS: `${ADMIN}:admin:ada,${OPERATOR}:operator:otto,${VIEWER}:viewer:vic`,
      },
    });
    // One after the other: a browser launched beside a stack that failed to start would never be closed.
    browser = await launchBrowser();
    await stack.start();
    consoleUrl = stack.url('console');
  }, 180_000);

  // Each tab holds a live stream and the console allows a token only a few at once: close them per test.
  afterEach(async () => {
    for (const tab of tabs.splice(0)) await tab.close().catch(() => undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.cleanUp();
  });

  /** A signed-in tab that also records dialogs: a hostile value that ran would `alert(1)`. */
  async function open(token: string, path: string): Promise<ConsoleTab & { dialogs: string[] }> {
    const tab = Object.assign(await ConsoleTab.open(browser, consoleUrl, token, path), { dialogs: [] as string[] });
    tab.page.on('dialog', (dialog) => {
      tab.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    tabs.push(tab);
    return tab;
  }

  async function postAlert(labels: Record<string, string>, annotations: Record<string, string> = {}): Promise<string> {
    const [fingerprint] = await postAlerts([labels], annotations);
    return fingerprint;
  }

  /** One Alertmanager webhook with an alert per label set; answers their fingerprints. */
  async function postAlerts(labelSets: Array<Record<string, string>>, annotations: Record<string, string> = {}): Promise<string[]> {
    const all = labelSets.map((labels) => ({ severity: 'warning', job: 'console-e2e', ...labels }));
    const response = await fetch(`${stack.url('ingress')}/api/v1/alerts/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        groupKey: '{}:{}',
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'firebreak',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://alertmanager.example:9093',
        alerts: all.map((labels) => ({
          status: 'firing',
          labels,
          annotations,
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: '',
        })),
      }),
    });
    expect(response.status).toBe(200);
    return all.map((labels) => alertFingerprint(labels));
  }

  const api = async <T>(path: string, token = ADMIN): Promise<T> => {
    const response = await fetch(`${stack.url('mapper')}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };

  async function alertReaches(fingerprint: string, done: (alert: Alert) => boolean): Promise<Alert> {
    let last: Alert | undefined;
    await waitFor(
      async () => {
        const response = await fetch(`${stack.url('mapper')}/api/v1/alerts/${fingerprint}`, {
          headers: { authorization: `Bearer ${ADMIN}` },
        });
        if (response.status !== 200) return false;
        last = (await response.json()) as Alert;
        return done(last);
      },
      { timeoutMs: 20_000, intervalMs: 200, message: () => `alert ${fingerprint}: ${JSON.stringify(last)}` },
    );
    return last!;
  }

  const row = (tab: ConsoleTab, fingerprint: string) => tab.page.locator(`[data-testid="alert-row"][data-fingerprint="${fingerprint}"]`);

  function expectClean(tab: ConsoleTab & { dialogs: string[] }): void {
    expect(tab.errors).toEqual([]);
    expect(tab.dialogs).toEqual([]);
  }

  it('shows an alert posted to the ingress without a reload, and holds the list while a row is selected', async () => {
    const tab = await open(OPERATOR, '/alerts');
    await tab.page.locator('.live-live').waitFor();
    const first = await postAlert({ alertname: 'ConsoleLiveArrival', instance: 'web-1' }, { summary: 'web-1 is slow' });
    await row(tab, first).waitFor({ timeout: 20_000 });

    await row(tab, first).getByRole('cell').first().click();
    await tab.page.getByTestId('paused').waitFor();
    await tab.page.getByText('web-1 is slow').waitFor();
    const second = await postAlert({ alertname: 'ConsoleLiveArrival', instance: 'web-2' });
    await tab.page
      .getByTestId('paused')
      .filter({ hasText: /\d+ updates? waiting/ })
      .waitFor({ timeout: 20_000 });
    expect(await row(tab, second).count()).toBe(0);
    await tab.page.getByTestId('paused').getByRole('button', { name: 'Resume' }).click();
    await row(tab, second).waitFor();
    // Grouped by alertname: the labels both share are in the header once, each row keeps its instance.
    const group = tab.page.getByTestId('alert-group').filter({ hasText: 'ConsoleLiveArrival' });
    await group.locator('.group-header').getByText('job=console-e2e').waitFor();
    expect(await row(tab, second).getByText('job=console-e2e').count()).toBe(0);
    await row(tab, second).getByText('instance=web-2').waitFor();
    await tab.screenshot('alerts');
    expectClean(tab);
  });

  it('filters with Alertmanager matchers and says what is wrong with a bad one', async () => {
    const tab = await open(OPERATOR, '/alerts');
    const web1 = alertFingerprint({ severity: 'warning', job: 'console-e2e', alertname: 'ConsoleLiveArrival', instance: 'web-1' });
    const filter = tab.page.getByRole('searchbox', { name: 'Filter (Alertmanager matchers)' });
    await row(tab, web1).waitFor({ timeout: 20_000 });
    await filter.fill('alertname="ConsoleLiveArrival", instance=~"web-2|nothing"');
    await waitFor(async () => (await row(tab, web1).count()) === 0, { message: 'web-1 filtered out' });
    await filter.fill('instance=~"(("');
    await tab.page.getByTestId('filter-error').filter({ hasText: 'invalid regex' }).waitFor();
    expectClean(tab);
  });

  it('keeps up with a burst of alerts: the list reaches every one of them', async () => {
    const tab = await open(OPERATOR, '/alerts');
    await tab.page.locator('.live-live').waitFor();
    const fingerprints = await postAlerts(Array.from({ length: 50 }, (_, i) => ({ alertname: 'ConsoleBurst', instance: `burst-${i}` })));
    const group = tab.page.getByTestId('alert-group').filter({ hasText: 'ConsoleBurst' });
    let shown = 0;
    await waitFor(async () => (shown = await group.getByTestId('alert-row').count()) === fingerprints.length, {
      timeoutMs: 30_000,
      message: () => `${shown} of ${fingerprints.length} burst rows`,
    });
    for (const fingerprint of fingerprints.slice(0, 3)) await row(tab, fingerprint).waitFor();
    expectClean(tab);
  });

  it('acknowledges an alert from its row once, however often it is clicked', async () => {
    const fingerprint = await postAlert({ alertname: 'ConsoleAcknowledgeMe' });
    const tab = await open(OPERATOR, '/alerts');
    const acknowledge = row(tab, fingerprint).getByRole('button', { name: 'Acknowledge' });
    await acknowledge.waitFor();
    const sent: string[] = [];
    tab.page.on(
      'request',
      (request) => void (request.method() === 'POST' && request.url().endsWith('/acknowledge') && sent.push(request.url())),
    );
    // The list's refetch is held, so the row still offers Acknowledge after the answer: a click in that
    // gap (a double click straddling the answer) must not send a second request, answered 409. Released,
    // the route stays and passes the list through (unrouting while a request waits fails that request).
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const isList = (url: URL) => url.pathname === '/api/mapper/v1/alerts';
    await tab.page.route(isList, async (route) => {
      await held;
      await route.continue();
    });
    const answered = tab.page.waitForResponse((response) => response.url().endsWith('/acknowledge'));
    await acknowledge.dblclick();
    expect((await answered).status()).toBe(200);
    await acknowledge.click();
    release();
    const alert = await alertReaches(fingerprint, (a) => a.status === 'acknowledged');
    expect(alert.acknowledgement?.by).toBe('otto');
    await row(tab, fingerprint).locator('.state-acknowledged').waitFor();
    expect(sent).toHaveLength(1);
    expect(await row(tab, fingerprint).getByRole('alert').count()).toBe(0);
    expectClean(tab);
  });

  it('silences an alert from its row, previewing the alerts the silence matches first', async () => {
    const fingerprint = await postAlert({ alertname: 'ConsoleSilenceMe', instance: 'db-7' });
    const acknowledged = await postAlert({ alertname: 'ConsoleSilenceMe', instance: 'db-8' });
    await alertReaches(acknowledged, (a) => a.status === 'firing');
    const ack = await fetch(`${stack.url('mapper')}/api/v1/alerts/${acknowledged}/acknowledge`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ack.status).toBe(200);
    const tab = await open(OPERATOR, '/alerts');
    await row(tab, fingerprint).getByRole('button', { name: 'Silence' }).click();
    await tab.page.waitForURL(/\/silences\?matchers=/);
    expect(await tab.page.getByRole('textbox', { name: 'Matchers' }).inputValue()).toContain('alertname="ConsoleSilenceMe"');
    const preview = tab.page.getByTestId('silence-preview');
    await preview.getByTestId('preview-alert').filter({ hasText: 'ConsoleSilenceMe' }).waitFor();
    expect(await preview.getByTestId('preview-alert').count()).toBe(1);
    // Widened to the whole alertname: the acknowledged one matches too, but the mapper leaves it as it is.
    await tab.page.getByRole('textbox', { name: 'Matchers' }).fill('alertname="ConsoleSilenceMe"');
    await preview.getByTestId('preview-unchanged-alert').filter({ hasText: 'instance=db-8' }).waitFor();
    await preview.getByText('Would silence 1 firing alert', { exact: true }).waitFor();
    expect(await preview.getByTestId('preview-alert').count()).toBe(1);
    await tab.page.getByRole('textbox', { name: 'Comment' }).fill('maintenance of db-7');
    // A double click sends one request, not two.
    await tab.page.getByRole('button', { name: 'Create silence' }).dblclick();
    const alert = await alertReaches(fingerprint, (a) => a.status === 'silenced');
    await tab.page.getByText(/^Silence .* created\.$/).waitFor();
    const { items } = await api<{ items: Array<{ id: string; comment: string; createdBy: string }> }>('/api/v1/silences?state=active');
    expect(items.find((silence) => silence.id === alert.silenceId)).toMatchObject({ createdBy: 'otto' });
    expect(items.filter((silence) => silence.comment === 'maintenance of db-7')).toHaveLength(1);
    await tab.page.getByTestId('silence-row').filter({ hasText: 'maintenance of db-7' }).waitFor();
    await tab.screenshot('silences');
    expectClean(tab);
  });

  it('renders hostile label values as text on the list and the detail page', async () => {
    const fingerprint = await postAlert(
      { alertname: 'ConsoleHostile', script: HOSTILE_SCRIPT, img: HOSTILE_IMG },
      { summary: HOSTILE_IMG },
    );
    const tab = await open(OPERATOR, '/alerts');
    await row(tab, fingerprint).waitFor({ timeout: 20_000 });
    const group = tab.page.getByTestId('alert-group').filter({ hasText: 'ConsoleHostile' });
    await group.getByText(`script=${HOSTILE_SCRIPT}`).waitFor();
    await group.getByText(`img=${HOSTILE_IMG}`).waitFor();
    await expectNothingInjected(tab);
    await tab.goto(consoleUrl, `/alerts/${fingerprint}`);
    await tab.page.getByText(`script=${HOSTILE_SCRIPT}`).waitFor();
    // The summary annotation, and the title of the notification about it.
    await tab.page.getByText(HOSTILE_IMG, { exact: true }).first().waitFor();
    await tab.page.getByTestId('history').waitFor();
    await expectNothingInjected(tab);
    expectClean(tab);
  });

  async function expectNothingInjected(tab: ConsoleTab): Promise<void> {
    expect(await tab.page.locator('img[src="x"]').count()).toBe(0);
    // A string, not a function: this file is compiled without the DOM's types.
    const injected = await tab.page.evaluate("[...document.scripts].filter((script) => script.textContent.includes('alert(1)')).length");
    expect(injected).toBe(0);
  }

  it('loads the alert detail, runbooks, runbook and health pages without errors', async () => {
    const fingerprint = await postAlert({ alertname: 'ConsoleDetail', instance: 'api-3' }, { description: 'slow **answers**' });
    const tab = await open(OPERATOR, `/alerts/${fingerprint}`);
    await tab.page.getByText('slow **answers**', { exact: true }).waitFor();
    await tab.page.getByTestId('history').locator('li').first().waitFor();
    for (const part of ['analysis', 'alert-executions', 'alert-notifications']) await tab.page.getByTestId(part).locator('h2').waitFor();
    await tab.page.getByText('Loading…').first().waitFor({ state: 'detached' });
    await tab.screenshot('alert-detail');

    await tab.goto(consoleUrl, '/runbooks');
    await tab.page.getByTestId('runbook-catalogue').getByRole('link', { name: 'Service unavailable' }).waitFor();
    await tab.page.getByRole('searchbox', { name: 'Search the knowledge base' }).fill('restart');
    await tab.page.getByRole('button', { name: 'Search' }).click();
    const results = tab.page.getByTestId('search-results');
    await results.locator('.search-hit').first().waitFor();
    expect(await results.locator('.search-hit .mono').first().textContent()).toMatch(/^[01]\.\d{3}$/);
    await tab.screenshot('runbooks');

    await tab.goto(consoleUrl, '/runbooks/service_unavailable');
    await tab.page.getByTestId('prose').locator('h1, h2').first().waitFor();
    await tab.page.getByTestId('steps').getByText('skipped: mutating step not run').first().waitFor();
    await tab.page.getByTestId('success-by-alert').getByRole('cell', { name: 'ServiceDown' }).waitFor();
    await tab.screenshot('runbook-detail');

    // The page lives at /status: the console's server keeps /health/* for its own probes; a direct load works.
    await tab.goto(consoleUrl, '/status');
    const services = tab.page.getByTestId('services');
    for (const app of APPS) {
      const state = (STARTED as readonly string[]).includes(app) ? 'ok' : 'unreachable';
      await services.getByRole('row').filter({ hasText: app }).getByText(state, { exact: true }).waitFor();
    }
    await tab.page.getByTestId('dlq').waitFor();
    await tab.page.getByTestId('consumers').getByRole('cell').first().waitFor();
    await tab.screenshot('health');
    expectClean(tab);
  });

  it('dry-runs a runbook and lists the steps the dry run skipped', async () => {
    const tab = await open(OPERATOR, '/runbooks/notify_admin');
    await tab.page.getByRole('button', { name: 'Dry run' }).click();
    const skipped = tab.page.getByTestId('skipped-steps');
    await skipped.getByText('escalate').waitFor({ timeout: 20_000 });
    await skipped.getByText('would notify').waitFor();
    const link = await tab.page.getByTestId('run-result').getByRole('link').textContent();
    const response = await fetch(`${stack.url('runbook-executor')}/api/v1/executions/${link}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(await response.json()).toMatchObject({ runbookId: 'notify_admin', mode: 'dry_run', requestedBy: 'otto' });
    await tab.page.getByTestId('run-result').getByText('succeeded').waitFor({ timeout: 20_000 });
    expectClean(tab);
  });

  it('offers a viewer no action and refuses the one it forges with 403', async () => {
    const fingerprint = await postAlert({ alertname: 'ConsoleViewerSees' });
    const tab = await open(VIEWER, '/alerts');
    await row(tab, fingerprint).waitFor({ timeout: 20_000 });
    for (const name of ['Acknowledge', 'Resolve', 'Silence']) expect(await tab.page.getByRole('button', { name }).count()).toBe(0);
    expect(tab.errors).toEqual([]);
    const forged = await tab.page.evaluate(
      async ({ fingerprint, token }) =>
        (
          await fetch(`/api/mapper/v1/alerts/${fingerprint}/acknowledge`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: '{}',
          })
        ).status,
      { fingerprint, token: VIEWER },
    );
    expect(forged).toBe(403);
    // Chromium logs the refused request it was told to make; that one error is the test's own.
    await waitFor(() => tab.errors.length > 0, { message: 'the 403 logged' });
    expect(tab.errors.splice(0)).toEqual([expect.stringContaining('403')]);
    const direct = await fetch(`${consoleUrl}/api/mapper/v1/silences`, {
      method: 'POST',
      headers: { authorization: `Bearer ${VIEWER}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: ['alertname="ConsoleViewerSees"'],
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        comment: 'forged',
      }),
    });
    expect(direct.status).toBe(403);
    expect((await api<Alert>(`/api/v1/alerts/${fingerprint}`)).status).toBe('firing');

    await tab.goto(consoleUrl, `/alerts/${fingerprint}`);
    await tab.page.getByTestId('history').waitFor();
    for (const name of ['Acknowledge', 'Resolve', 'Silence']) expect(await tab.page.getByRole('button', { name }).count()).toBe(0);

    // A silence of its own to look at (not one an earlier test happened to leave).
    const created = await fetch(`${stack.url('mapper')}/api/v1/silences`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: ['alertname="ConsoleViewerSilence"'],
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        comment: 'for the viewer to see',
      }),
    });
    expect(created.status).toBe(201);
    await tab.goto(consoleUrl, '/silences');
    await tab.page.getByRole('heading', { name: 'Silences' }).waitFor();
    await tab.page.getByTestId('silence-row').filter({ hasText: 'for the viewer to see' }).waitFor();
    expect(await tab.page.getByRole('form', { name: 'New silence' }).count()).toBe(0);
    expect(await tab.page.getByRole('button', { name: 'Expire', exact: true }).count()).toBe(0);
    await tab.goto(consoleUrl, '/runbooks/notify_admin');
    await tab.page.getByTestId('steps').waitFor();
    expect(await tab.page.getByTestId('run-panel').count()).toBe(0);
    expectClean(tab);
  });
});
