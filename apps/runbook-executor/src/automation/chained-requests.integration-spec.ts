import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';

/**
 * Runbook requests that do not come from the mapper: a runbook's own `publish` step, and a `trigger: drill` that is
 * no drill. Neither may get a runbook past the gates an alert's request passes.
 */
const target = new FakeHttpTarget();
let h: ExecutorHarness;

const touch = (path: string) => ({ id: 'touch', uses: 'http', with: { method: 'GET', url: `{{ vars.target }}${path}` } });
const chain = (id: string, runbookId: string) => ({
  id,
  title: id,
  severity: 'warning',
  steps: [
    {
      id: 'start_next',
      uses: 'publish',
      with: {
        subject: 'runbooks.requested',
        // A forged selectedBy: the executor decides how far it trusts the choice, not the data.
        data: { requestId: `${id}-{{ execution.id }}`, runbookId, mode: 'live', trigger: 'manual', selectedBy: 'runtime', context: {} },
      },
    },
  ],
});

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness(
    {
      // Does not opt in to being chosen by data a sender controls.
      'maintenance.yaml': { id: 'maintenance', title: 'maintenance', severity: 'warning', steps: [touch('/maintenance')] },
      'by_hand.yaml': { id: 'by_hand', title: 'by hand', severity: 'warning', mode: 'manual', steps: [touch('/by-hand')] },
      'chain_label.yaml': chain('chain_label', '{{ alert.labels.next }}'),
      'chain_literal.yaml': chain('chain_literal', 'maintenance'),
    },
    { env: { FIREBREAK_RUNBOOK_HTTP_ALLOW: '127.0.0.1', FIREBREAK_RUNBOOK_VARS: `target=${target.url}` } },
  ).start(process.env);
});

afterAll(async () => {
  await h?.stop();
  await target.stop();
});

beforeEach(() => target.reset());

const paths = () => target.requests.map((r) => r.path);

async function chained(runbookId: string): Promise<string> {
  const requestId = await h.request({
    runbookId,
    selectedBy: 'file_alertname',
    context: { alert_name: 'Whatever', alert_labels: { next: 'maintenance' }, severity: 'warning' },
  });
  const row = await h.waitForStatus(requestId, ['succeeded', 'failed', 'skipped']);
  expect(row.status).toBe('succeeded');
  return `${runbookId}-${row.id}`;
}

describe("a runbook request a runbook's publish step makes", () => {
  it('whose runbook id comes from a label is trusted like an annotation: a runbook that does not opt in is refused', async () => {
    const row = await h.waitForStatus(await chained('chain_label'), ['succeeded', 'failed', 'skipped']);
    expect(row).toMatchObject({ runbook_id: 'maintenance', trigger: 'alert', status: 'skipped' });
    expect(row.status_reason).toMatch(/^runbook maintenance was chosen by the alert's automation_runbook annotation/);
    await waitFor(() => h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id).length === 1);
    expect(h.eventsOf('runbooks.execution.failed', (d) => d.executionId === row.id)[0]).toMatchObject({ escalate: true });
    expect(paths()).not.toContain('/maintenance');
  });

  it('whose runbook id is written in the file is the author’s choice: it runs, still as automation', async () => {
    const row = await h.waitForStatus(await chained('chain_literal'), ['succeeded', 'failed', 'skipped']);
    expect(row).toMatchObject({ runbook_id: 'maintenance', trigger: 'alert', status: 'succeeded' });
    expect(paths()).toContain('/maintenance');
  });
});

describe('trigger: drill', () => {
  it('with mode live is gated as an alert: a manual-only runbook is refused and nothing runs', async () => {
    const requestId = await h.request({ runbookId: 'by_hand', trigger: 'drill', mode: 'live' });
    const row = await h.waitForStatus(requestId, ['succeeded', 'failed', 'skipped']);
    expect(row).toMatchObject({ trigger: 'alert', mode: 'live', status: 'skipped' });
    expect(row.status_reason).toBe('runbook by_hand is manual: it never runs for an alert');
    expect(paths()).toEqual([]);
  });

  it('with mode drill stays a drill (nothing mutating runs, nobody is paged) and is not gated', async () => {
    const requestId = await h.request({ runbookId: 'by_hand', trigger: 'drill', mode: 'drill' });
    const row = await h.waitForStatus(requestId, ['succeeded', 'failed', 'skipped']);
    expect(row).toMatchObject({ trigger: 'drill', mode: 'drill', status: 'succeeded' });
    expect(paths()).toEqual(['/by-hand']);
  });
});
