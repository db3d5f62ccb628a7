import { DataSource } from 'typeorm';
import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';

// FIREBREAK_APPROVAL_SELF_ALLOWED=true lifts separation of duties; command output is stored cleaned too.
const target = new FakeHttpTarget();
let h: ExecutorHarness;

const risky = {
  id: 'risky',
  title: 'Risky change',
  severity: 'critical',
  steps: [{ id: 'change', uses: 'http', risk: 'high', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/change' } }],
};

const printer = {
  id: 'printer',
  title: 'A command whose output carries NUL bytes',
  severity: 'warning',
  steps: [{ id: 'print', uses: 'command', with: { path: '/usr/bin/printf', args: ['a\\000b\\000c'] } }],
};

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness(
    { 'risky.yaml': risky, 'printer.yaml': printer },
    {
      env: {
        FIREBREAK_APPROVAL_REQUIRED: 'true',
        FIREBREAK_APPROVAL_SELF_ALLOWED: 'true',
        FIREBREAK_RUNBOOK_COMMANDS_ALLOW: '/usr/bin/printf',
      },
    },
  ).start(process.env);
});

afterAll(async () => {
  await h?.stop();
  await target.stop();
});

const detailOf = async (id: string) => (await h.inject('GET', `/api/v1/executions/${id}`, { token: 'viewer' })).json();

it('with FIREBREAK_APPROVAL_SELF_ALLOWED=true the token that started a run may approve its high-risk step', async () => {
  const port = new URL(target.url).port;
  const started = await h.inject('POST', '/api/v1/runbooks/risky/execute', { token: 'operator', payload: { params: { port } } });
  const id = started.json().executionId;
  await waitFor(async () => (await detailOf(id)).status === 'waiting_approval');
  const approval = (await detailOf(id)).approvals[0];
  const self = await h.inject('POST', `/api/v1/approvals/${approval.id}/approve`, { token: 'operator', payload: {} });
  expect(self.statusCode).toBe(200);
  expect(self.json()).toMatchObject({ status: 'approved', decidedBy: 'otto' });
  await waitFor(async () => (await detailOf(id)).status === 'succeeded');
});

it('NUL bytes in command output are stored as U+FFFD and the attempt is recorded', async () => {
  const started = await h.inject('POST', '/api/v1/runbooks/printer/execute', { token: 'operator', payload: {} });
  const id = started.json().executionId;
  await waitFor(async () => ['succeeded', 'failed'].includes((await detailOf(id)).status));
  const detail = await detailOf(id);
  expect(detail.status).toBe('succeeded');
  const [{ state }] = await h.app.get(DataSource).query(`SELECT state FROM "${h.id}".executions WHERE id = $1`, [id]);
  expect(state.steps.print.outputs.stdout).toBe('a\uFFFDb\uFFFDc');
});
