import { register } from 'prom-client';
import { BusConnection, EventPublisher } from '@firebreak/bus';
import { streamForSubject } from '@firebreak/contracts';
import { AuditLog } from '@firebreak/platform';
import { FakeHttpTarget, resolveDatabaseUrl, TcpProxy, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';

const SUBJECT = 'commands.approval.decide';
const CONSUMER = 'runbook-executor-commands-approval-decide';

// Postgres behind a proxy, to cut it while a chat decision is handled.
const target = new FakeHttpTarget();
let proxy: TcpProxy;
let h: ExecutorHarness;

const guarded = {
  id: 'guarded',
  title: 'Guarded restart',
  severity: 'critical',
  steps: [{ id: 'restart', uses: 'http', risk: 'high', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/restart' } }],
};

beforeAll(async () => {
  await target.start();
  const databaseUrl = new URL(await resolveDatabaseUrl());
  proxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
  await proxy.start();
  databaseUrl.host = `127.0.0.1:${proxy.port}`;
  h = await new ExecutorHarness(
    { 'guarded.yaml': guarded },
    {
      env: { FIREBREAK_APPROVAL_REQUIRED: 'true', DATABASE_URL: databaseUrl.toString() },
      config: { 'chat-users.yaml': { slack: [{ id: 'U0CARA', name: 'cara', role: 'operator' }] } },
    },
  ).start(process.env);
});

afterAll(async () => {
  await proxy?.restore();
  await h?.stop();
  await proxy?.stop();
  await target.stop();
});

const counted = async (name: string, labels: Record<string, string>) =>
  (await register.getSingleMetric(name)!.get()).values
    .filter((value) => Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted))
    .reduce((sum, value) => sum + value.value, 0);

it('waits out a Postgres outage while deciding (retried, never dead-lettered, never half-written) and decides once it is back', async () => {
  const requestId = await h.request({ runbookId: 'guarded', params: { port: new URL(target.url).port }, trigger: 'manual' });
  const row = await h.waitForStatus(requestId, ['waiting_approval']);
  const [approval] = (await h.inject('GET', `/api/v1/executions/${row.id}`, { token: 'viewer' })).json().approvals;

  await proxy.cut();
  const data = {
    approvalId: approval.id as string,
    decision: 'approve' as const,
    actor: { name: 'cara', role: 'operator' as const, via: 'slack' as const, chatUserId: 'U0CARA' },
    requestedAt: new Date().toISOString(),
  };
  const { ack } = await h.app.get(EventPublisher).publish(SUBJECT, data, { id: 'slack-approve-outage' });
  await waitFor(async () => (await counted('firebreak_bus_consumed_total', { consumer: CONSUMER, result: 'retry' })) >= 1, {
    message: 'the decision to be retried while Postgres is cut',
  });
  await proxy.restore();

  const { jsm } = h.app.get(BusConnection);
  await waitFor(async () => (await jsm.consumers.info(streamForSubject(SUBJECT, h.id), CONSUMER)).ack_floor.stream_seq >= ack.seq, {
    timeoutMs: 30_000,
    message: 'the decision to be acked once Postgres is back',
  });
  await h.waitForStatus(requestId, ['succeeded']);
  expect(target.requests.map((r) => r.path)).toEqual(['/restart']);
  expect((await h.app.get(AuditLog).recent(50)).filter((entry) => entry.target === approval.id)).toHaveLength(1);
  await waitFor(() => h.eventsOf('runbooks.approval.decided', (d) => d.approvalId === approval.id).length === 1);
  expect(await counted('firebreak_bus_dead_lettered_total', {})).toBe(0);
});
