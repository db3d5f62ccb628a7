import { randomUUID } from 'node:crypto';
import { register } from 'prom-client';
import { BusConnection, EventPublisher, SubjectNames } from '@firebreak/bus';
import { ChatActor, DataOf, streamForSubject } from '@firebreak/contracts';
import { AuditLog } from '@firebreak/platform';
import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';

const SUBJECT = 'commands.approval.decide';
const CONSUMER = 'runbook-executor-commands-approval-decide';
const cara: ChatActor = { name: 'cara', role: 'operator', via: 'slack', chatUserId: 'U0CARA' };
const tom: ChatActor = { name: 'tom', role: 'admin', via: 'telegram', chatUserId: '4242' };

const target = new FakeHttpTarget();
let h: ExecutorHarness;

const guarded = (id: string, approvalTimeout = '30m') => ({
  id,
  title: `Guarded restart ${id}`,
  severity: 'critical',
  approvalTimeout,
  steps: [
    { id: 'probe', uses: 'http', with: { url: 'http://127.0.0.1:{{ params.port }}/health' } },
    { id: 'restart', uses: 'http', risk: 'high', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/restart' } },
  ],
});

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness(
    { 'guarded.yaml': guarded('guarded'), 'short_fuse.yaml': guarded('short_fuse', '1s') },
    { env: { FIREBREAK_APPROVAL_REQUIRED: 'true' } },
  ).start(process.env);
});

afterAll(async () => {
  await h?.stop();
  await target.stop();
});

const port = () => new URL(target.url).port;

async function waitingApproval(runbookId = 'guarded'): Promise<{ requestId: string; approvalId: string; executionId: string }> {
  const requestId = await h.request({ runbookId, params: { port: port() }, trigger: 'manual' });
  const row = await h.waitForStatus(requestId, ['waiting_approval']);
  const [approval] = (await h.inject('GET', `/api/v1/executions/${row.id}`, { token: 'viewer' })).json().approvals;
  return { requestId, approvalId: approval.id, executionId: row.id };
}

/** Publishes a request as the notifier does; returns its stream sequence. */
async function request(approvalId: string, decision: 'approve' | 'reject', actor: ChatActor, eventId = randomUUID()): Promise<number> {
  const data: DataOf<typeof SUBJECT> = { approvalId, decision, actor, comment: `from ${actor.via}`, requestedAt: new Date().toISOString() };
  return (await h.app.get(EventPublisher).publish(SUBJECT, data, { id: eventId })).ack.seq;
}

/** Waits until the consumer acked every request up to `seq` (all so far by default): decided, refused or dropped, but settled. */
async function settled(upTo?: number): Promise<void> {
  const { jsm } = h.app.get(BusConnection);
  const stream = streamForSubject(SUBJECT, h.id);
  const seq = upTo ?? (await jsm.streams.info(stream)).state.last_seq;
  await waitFor(async () => (await jsm.consumers.info(stream, CONSUMER)).ack_floor.stream_seq >= seq, {
    timeoutMs: 20_000,
    message: `the chat request at sequence ${seq} to be acked`,
  });
}

const approval = async (executionId: string) =>
  (await h.inject('GET', `/api/v1/executions/${executionId}`, { token: 'viewer' })).json().approvals[0];
const audited = async (approvalId: string) => (await h.app.get(AuditLog).recent(500)).filter((entry) => entry.target === approvalId);
const decided = (approvalId: string) => h.eventsOf('runbooks.approval.decided', (d) => d.approvalId === approvalId);
const deadLettered = async () =>
  (await register.getSingleMetric('firebreak_bus_dead_lettered_total')!.get()).values.reduce((sum, value) => sum + value.value, 0);

describe('approval decisions requested from the chat', () => {
  it('approves a waiting execution, which continues; decided and audited as the chat user, via the chat', async () => {
    const { requestId, approvalId, executionId } = await waitingApproval();
    target.reset();
    await settled(await request(approvalId, 'approve', cara));

    await h.waitForStatus(requestId, ['succeeded']);
    expect(target.requests.map((r) => r.path)).toEqual(['/restart']);
    expect(await approval(executionId)).toMatchObject({ status: 'approved', decidedBy: 'cara', note: 'from slack' });
    await waitFor(() => decided(approvalId).length === 1);
    expect(decided(approvalId)[0]).toMatchObject({ decision: 'approved', decidedBy: 'cara', note: 'from slack' });
    expect(await audited(approvalId)).toEqual([
      expect.objectContaining({
        actor: 'cara',
        action: 'approval.approve',
        details: { executionId, stepId: 'restart', note: 'from slack', via: 'slack', chatUserId: 'U0CARA' },
      }),
    ]);
  });

  it('rejects: the execution ends as rejected without running the step', async () => {
    const { requestId, approvalId } = await waitingApproval();
    target.reset();
    await settled(await request(approvalId, 'reject', tom));

    const done = await h.waitForStatus(requestId, ['rejected']);
    expect(done.status_reason).toBe('approval of step restart rejected by tom: from telegram');
    expect(target.requests).toEqual([]);
    expect((await audited(approvalId)).map((entry) => [entry.actor, entry.action, entry.details.via])).toEqual([
      ['tom', 'approval.reject', 'telegram'],
    ]);
  });

  it('refuses a viewer, an unknown approval and the one who started the run: acked, nothing changed or dead-lettered', async () => {
    const { approvalId, executionId } = await waitingApproval();
    await request(approvalId, 'approve', { name: 'vic', role: 'viewer', via: 'slack', chatUserId: 'U0VIC' });
    await request(randomUUID(), 'approve', cara);
    await request('not-a-uuid', 'reject', cara);
    await settled();
    expect(await approval(executionId)).toMatchObject({ status: 'pending', decidedBy: null });

    // Separation of duties holds for the chat too: the operator who started the run may not approve its high-risk step.
    const started = await h.inject('POST', '/api/v1/runbooks/guarded/execute', {
      token: 'operator',
      payload: { params: { port: port() } },
    });
    const own = started.json().executionId;
    await waitFor(async () => (await approval(own))?.status === 'pending');
    const ownApproval = (await approval(own)).id;
    await settled(await request(ownApproval, 'approve', { ...cara, name: 'otto' }));
    expect(await approval(own)).toMatchObject({ status: 'pending' });

    for (const id of [approvalId, ownApproval]) {
      expect(await audited(id)).toEqual([]);
      expect(decided(id)).toEqual([]);
    }
    expect(await deadLettered()).toBe(0);
  });

  it('leaves an expired approval expired', async () => {
    const requestId = await h.request({ runbookId: 'short_fuse', params: { port: port() } });
    const row = await h.waitForStatus(requestId, ['failed'], 10_000);
    const expired = await approval(row.id);
    expect(expired.status).toBe('expired');
    await waitFor(() => decided(expired.id).length === 1);

    await settled(await request(expired.id, 'approve', cara));
    expect(await approval(row.id)).toMatchObject({ status: 'expired', decidedBy: null });
    expect((await h.executionByRequest(requestId))?.status).toBe('failed');
    expect(await audited(expired.id)).toEqual([]);
    expect(decided(expired.id)).toHaveLength(1);
  });

  it('decides once when Slack and Telegram ask at the same time and a request is redelivered', async () => {
    const { requestId, approvalId } = await waitingApproval();
    const slackId = randomUUID();
    await Promise.all([request(approvalId, 'approve', cara, slackId), request(approvalId, 'reject', tom)]);
    await settled();
    // The Slack request again under a new Nats-Msg-Id, as a redelivery past the duplicate window would be: the inbox drops it.
    const again = { approvalId, decision: 'approve', actor: cara, requestedAt: new Date().toISOString() };
    const event = h.app.get(EventPublisher).build(SUBJECT, again as DataOf<typeof SUBJECT>, { id: slackId });
    await h.app
      .get(EventPublisher)
      .publishRaw(h.app.get(SubjectNames).wire(SUBJECT), SUBJECT, new TextEncoder().encode(JSON.stringify(event)), `${slackId}-again`);
    await settled();

    const done = await h.waitForStatus(requestId, ['succeeded', 'rejected']);
    await waitFor(() => decided(approvalId).length >= 1);
    expect(decided(approvalId)).toHaveLength(1);
    expect(await audited(approvalId)).toHaveLength(1);
    const winner = decided(approvalId)[0].decision === 'approved' ? 'succeeded' : 'rejected';
    expect(done.status).toBe(winner);
    expect(await deadLettered()).toBe(0);
  });
});
