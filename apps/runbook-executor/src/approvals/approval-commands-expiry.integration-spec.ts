import { register } from 'prom-client';
import { BusConnection, EventPublisher } from '@firebreak/bus';
import { streamForSubject } from '@firebreak/contracts';
import { AuditLog } from '@firebreak/platform';
import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';

const SUBJECT = 'commands.approval.decide';
const CONSUMER = 'runbook-executor-commands-approval-decide';

// The expiry sweep runs once a minute here: the approval is past its expiry but not swept when the chat decides.
const target = new FakeHttpTarget();
let h: ExecutorHarness;

const shortFuse = {
  id: 'short_fuse',
  title: 'Guarded restart, short approval',
  severity: 'critical',
  approvalTimeout: '1s',
  steps: [{ id: 'restart', uses: 'http', risk: 'high', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/restart' } }],
};

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness(
    { 'short_fuse.yaml': shortFuse },
    {
      env: { FIREBREAK_APPROVAL_REQUIRED: 'true', FIREBREAK_TIMER_INTERVAL_MS: '60000' },
      config: { 'chat-users.yaml': { slack: [{ id: 'U0CARA', name: 'cara', role: 'operator' }] } },
    },
  ).start(process.env);
});

afterAll(async () => {
  await h?.stop();
  await target.stop();
});

const refusedExpired = async () =>
  (await register.getSingleMetric('firebreak_chat_commands_refused_total')!.get()).values.find(
    (value) => value.labels.command === 'approval.decide' && value.labels.reason === 'expired',
  )?.value ?? 0;

it('expires an approval past its expiry that the sweep has not reached yet, in line, and does not approve it', async () => {
  const requestId = await h.request({ runbookId: 'short_fuse', params: { port: new URL(target.url).port }, trigger: 'manual' });
  const row = await h.waitForStatus(requestId, ['waiting_approval']);
  const [pending] = (await h.inject('GET', `/api/v1/executions/${row.id}`, { token: 'viewer' })).json().approvals;
  await waitFor(async () => Date.now() > Date.parse(pending.expiresAt), { message: 'the approval to be past its expiry' });
  expect((await h.inject('GET', `/api/v1/executions/${row.id}`, { token: 'viewer' })).json().approvals[0].status).toBe('pending');

  const data = {
    approvalId: pending.id as string,
    decision: 'approve' as const,
    actor: { name: 'cara', role: 'operator' as const, via: 'slack' as const, chatUserId: 'U0CARA' },
    requestedAt: new Date().toISOString(),
  };
  const { ack } = await h.app.get(EventPublisher).publish(SUBJECT, data, { id: 'slack-approve-late' });
  const { jsm } = h.app.get(BusConnection);
  await waitFor(async () => (await jsm.consumers.info(streamForSubject(SUBJECT, h.id), CONSUMER)).ack_floor.stream_seq >= ack.seq, {
    message: 'the late decision to be acked',
  });

  const after = (await h.inject('GET', `/api/v1/executions/${row.id}`, { token: 'viewer' })).json();
  expect(after.approvals[0]).toMatchObject({ status: 'expired', decidedBy: null });
  expect((await h.waitForStatus(requestId, ['failed'])).status_reason).toMatch(/approval of step restart expired/);
  expect(target.requests).toEqual([]);
  await waitFor(() => h.eventsOf('runbooks.approval.decided', (d) => d.approvalId === pending.id).length === 1);
  expect(h.eventsOf('runbooks.approval.decided', (d) => d.approvalId === pending.id)[0]).toMatchObject({ decision: 'expired' });
  expect((await h.app.get(AuditLog).recent(50)).filter((entry) => entry.target === pending.id)).toEqual([]);
  expect(await refusedExpired()).toBe(1);
});
