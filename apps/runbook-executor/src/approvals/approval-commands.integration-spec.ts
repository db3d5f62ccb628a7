import { randomUUID } from 'node:crypto';
import { register } from 'prom-client';
import { BusConnection, EventPublisher, SubjectNames } from '@firebreak/bus';
import { ChatActor, DataOf, streamForSubject } from '@firebreak/contracts';
import { AuditLog } from '@firebreak/platform';
import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { DataSource } from 'typeorm';
import { ExecutorHarness } from '../testing/executor-harness';

const SUBJECT = 'commands.approval.decide';
const CONSUMER = 'runbook-executor-commands-approval-decide';
const cara: ChatActor = { name: 'cara', role: 'operator', via: 'slack', chatUserId: 'U0CARA' };
const tom: ChatActor = { name: 'tom', role: 'admin', via: 'telegram', chatUserId: '4242' };
// The people behind the chat users: the consumer acts as the person this file names, not as the message says.
const CHAT_USERS = {
  slack: [
    { id: 'U0CARA', name: 'cara', role: 'operator' },
    { id: 'U0VIC', name: 'vic', role: 'viewer' },
    { id: 'U0OTTO', name: 'otto', role: 'operator' },
  ],
  telegram: [{ id: 4242, name: 'tom', role: 'admin' }],
};

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
    { env: { FIREBREAK_APPROVAL_REQUIRED: 'true' }, config: { 'chat-users.yaml': CHAT_USERS } },
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
const refusedCount = async (reason: string) =>
  (await register.getSingleMetric('firebreak_chat_commands_refused_total')!.get()).values.find(
    (value) => value.labels.command === 'approval.decide' && value.labels.reason === reason,
  )?.value ?? 0;
const inboxRows = (eventId: string) =>
  h.app.get(DataSource).query(`SELECT consumer FROM "${h.id}".inbox WHERE event_id = $1`, [eventId]) as Promise<
    Array<{ consumer: string }>
  >;

describe('approval decisions requested from the chat', () => {
  it('approves a waiting execution, which continues; decided and audited as the person chat-users.yaml names, via the chat', async () => {
    const { requestId, approvalId, executionId } = await waitingApproval();
    target.reset();
    // The name and role on the bus are not who decides: U0CARA is cara (operator) in chat-users.yaml.
    await settled(await request(approvalId, 'approve', { ...cara, name: 'mallory', role: 'viewer' }));

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

  it('refuses an unmapped chat user and a viewer, whatever name and role the message claims: acked, counted, nothing changed', async () => {
    const { approvalId, executionId } = await waitingApproval();
    const [unmapped, role] = [await refusedCount('unmapped'), await refusedCount('role')];
    await request(approvalId, 'approve', { name: 'ada', role: 'admin', via: 'slack', chatUserId: 'U0MALLORY' });
    // cara's Slack id on Telegram is nobody: a chat user is its chat and its id.
    await request(approvalId, 'approve', { ...cara, via: 'telegram' });
    await request(approvalId, 'approve', { name: 'ada', role: 'admin', via: 'slack', chatUserId: 'U0VIC' });
    await settled();

    expect(await approval(executionId)).toMatchObject({ status: 'pending', decidedBy: null });
    expect(await audited(approvalId)).toEqual([]);
    expect(decided(approvalId)).toEqual([]);
    expect(await refusedCount('unmapped')).toBe(unmapped + 2);
    expect(await refusedCount('role')).toBe(role + 1);
    expect(await deadLettered()).toBe(0);
  });

  it('refuses an unknown approval and the one who started the run (known by the name chat-users.yaml gives)', async () => {
    const notFound = await refusedCount('not_found');
    await request(randomUUID(), 'approve', cara);
    await request('not-a-uuid', 'reject', cara);
    await settled();
    expect(await refusedCount('not_found')).toBe(notFound + 2);

    // Separation of duties holds for the chat too: otto's operator token started the run, and U0OTTO is otto
    // in chat-users.yaml, whatever name the message carries.
    const started = await h.inject('POST', '/api/v1/runbooks/guarded/execute', {
      token: 'operator',
      payload: { params: { port: port() } },
    });
    const own = started.json().executionId;
    await waitFor(async () => (await approval(own))?.status === 'pending');
    const ownApproval = (await approval(own)).id;
    const selfApproval = await refusedCount('self_approval');
    await settled(await request(ownApproval, 'approve', { name: 'someone-else', role: 'admin', via: 'slack', chatUserId: 'U0OTTO' }));
    expect(await approval(own)).toMatchObject({ status: 'pending' });
    expect(await refusedCount('self_approval')).toBe(selfApproval + 1);
    expect(await audited(ownApproval)).toEqual([]);
    expect(decided(ownApproval)).toEqual([]);
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

  it('decides once when Slack and Telegram ask at the same time, and drops a redelivery of the request that won', async () => {
    const { requestId, approvalId } = await waitingApproval();
    const ids = { slack: randomUUID(), telegram: randomUUID() };
    await Promise.all([request(approvalId, 'approve', cara, ids.slack), request(approvalId, 'reject', tom, ids.telegram)]);
    await settled();
    await waitFor(() => decided(approvalId).length >= 1);
    const slackWon = decided(approvalId)[0].decision === 'approved';
    const [winnerId, winner] = slackWon ? [ids.slack, cara] : [ids.telegram, tom];
    expect(await inboxRows(winnerId)).toEqual([{ consumer: CONSUMER }]);

    // The winning request again under a new Nats-Msg-Id, as a redelivery past the duplicate window would be:
    // the inbox drops it before the approval is read (not refused as already decided, not audited again).
    const alreadyDecided = await refusedCount('already_decided');
    const again = { approvalId, decision: slackWon ? 'approve' : 'reject', actor: winner, requestedAt: new Date().toISOString() };
    const event = h.app.get(EventPublisher).build(SUBJECT, again as DataOf<typeof SUBJECT>, { id: winnerId });
    await h.app
      .get(EventPublisher)
      .publishRaw(h.app.get(SubjectNames).wire(SUBJECT), SUBJECT, new TextEncoder().encode(JSON.stringify(event)), `${winnerId}-again`);
    await settled();

    const done = await h.waitForStatus(requestId, ['succeeded', 'rejected']);
    expect(done.status).toBe(slackWon ? 'succeeded' : 'rejected');
    expect(decided(approvalId)).toHaveLength(1);
    expect(await audited(approvalId)).toHaveLength(1);
    expect(await inboxRows(winnerId)).toHaveLength(1);
    expect(await refusedCount('already_decided')).toBe(alreadyDecided);
    expect(await deadLettered()).toBe(0);
  });
});
