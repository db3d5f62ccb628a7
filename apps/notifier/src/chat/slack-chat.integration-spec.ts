import { randomUUID } from 'node:crypto';
import { EventOf } from '@firebreak/contracts';
import { AuditLog } from '@firebreak/platform';
import {
  FakeHttpTarget,
  FakeSlack,
  FakeTelegram,
  resolveDatabaseUrl,
  slackBlockActionsBody,
  slackSignatureHeaders,
  uniqueTestId,
  waitFor,
} from '@firebreak/testing';
import { AppModule } from '../app.module';
import { HOSTILE_LABELS, post, requestApproval, writeChatUsers } from '../testing/chat-fixtures';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { UNMAPPED_REPLY } from './chat.service';

/**
 * Slack buttons (issue #13): approval requests carry Approve / Reject and firing alerts Acknowledge on Web API
 * channels; a signed press becomes a request on the bus and an ephemeral reply; anything unsigned, stale,
 * unmapped or from a viewer has no effect.
 */

const TOKEN = 'xoxb-900-901-chattoken';
const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const BOT = '123456:tg-plain';
const FAST = 'rateLimit: { perMinute: 6000, burst: 200 }';
const CHANNELS = `
channels:
  - { name: slack-api, type: slack, botToken: "\${SLACK_BOT_TOKEN}", channelId: C0ALERTS, apiUrl: "\${SLACK_API_URL}", ${FAST} }
  - { name: slack-hook, type: slack, webhookUrl: "\${SLACK_WEBHOOK_URL}", ${FAST} }
  - { name: tg-plain, type: telegram, botToken: "${BOT}", chatIds: ["-1001"], ${FAST} }
routes:
  - { matchers: ['severity="critical"'], channels: [slack-api, slack-hook, tg-plain] }
`;
const USERS = `
slack:
  - { id: U0ALICE, name: alice, role: operator }
  - { id: U0CAROL, name: carol, role: viewer }
`;
const URL = '/api/v1/chat/slack/interactions';

describe('Slack chat buttons', () => {
  const slack = new FakeSlack({ validToken: TOKEN, channels: ['C0ALERTS'] });
  const telegram = new FakeTelegram({ validToken: BOT });
  const h = new NotifierHarness(uniqueTestId('notifier-chat'), uniqueTestId('notifier-chat'), NotifierHarness.writeConfig(CHANNELS));
  let decisions: Array<EventOf<'commands.approval.decide'>>;
  let acks: Array<EventOf<'commands.alert.acknowledge'>>;

  const press = (
    input: { userId: string; actionId: string; value: string; triggerId?: string },
    options: { secret?: string; ageSec?: number } = {},
  ) => {
    const body = slackBlockActionsBody({ ...input, responseUrl: slack.responseUrl(randomUUID()) });
    const timestamp = Math.floor(Date.now() / 1000) - (options.ageSec ?? 0);
    return { body, send: () => post(h, URL, slackSignatureHeaders(options.secret ?? SIGNING_SECRET, body, timestamp), body) };
  };
  const decisionsOf = (approvalId: string) => decisions.filter((e) => e.data.approvalId === approvalId);
  const responsesFor = (path: string) => slack.responses.filter((r) => r.path.includes(path));
  /** A press published after `approvalId`'s would arrive after it: once it is in, nothing for `approvalId` is on its way. */
  const settle = async () => {
    const marker = randomUUID();
    expect((await press({ userId: 'U0ALICE', actionId: 'firebreak_reject', value: marker }).send()).statusCode).toBe(200);
    await waitFor(() => decisionsOf(marker).length === 1, { message: 'marker press published' });
  };

  beforeAll(async () => {
    await Promise.all([slack.start(), telegram.start()]);
    writeChatUsers(h, USERS);
    const natsUrl = await h.useEnvironment({
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_API_URL: slack.apiUrl,
      SLACK_WEBHOOK_URL: slack.webhookUrl(),
      TELEGRAM_API_URL: telegram.url,
      FIREBREAK_SLACK_SIGNING_SECRET: SIGNING_SECRET,
      FIREBREAK_NOTIFY_POLL_MS: '50',
      LOG_LEVEL: 'silent',
    });
    await h.start(AppModule, natsUrl);
    decisions = await h.collect('commands.approval.decide');
    acks = await h.collect('commands.alert.acknowledge');
  });
  afterAll(async () => {
    await h.stop(await resolveDatabaseUrl());
    await Promise.all([slack.stop(), telegram.stop()]);
  });

  it('puts Approve / Reject on approval requests and Acknowledge on firing alerts, on the Web API channel only', async () => {
    const approvalId = await requestApproval(h);
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'critical', HOSTILE_LABELS));
    const apiPost = (needle: string) => slack.posts.find((p) => JSON.stringify(p.body).includes(needle));
    await waitFor(() => Boolean(apiPost(approvalId) && apiPost(fp)) && slack.messages.length >= 2 && telegram.messages.length >= 2, {
      message: 'messages on every channel',
    });

    const actionsOf = (blocks: unknown[] | undefined) => (blocks ?? []).filter((b) => (b as { type: string }).type === 'actions');
    expect(actionsOf(apiPost(approvalId)!.blocks)).toEqual([
      {
        type: 'actions',
        block_id: 'firebreak_actions',
        elements: [
          expect.objectContaining({ action_id: 'firebreak_approve', value: approvalId, style: 'primary' }),
          expect.objectContaining({ action_id: 'firebreak_reject', value: approvalId, style: 'danger' }),
        ],
      },
    ]);
    const ack = actionsOf(apiPost(fp)!.blocks);
    // The value names the alert's episode (alertNotify's startsAt, 2025-01-01T00:00:00Z, in epoch seconds).
    expect(ack).toEqual([
      expect.objectContaining({ elements: [expect.objectContaining({ action_id: 'firebreak_ack', value: `${fp}:1735689600` })] }),
    ]);
    // Hostile labels stay in plain_text sections, escaped; the button carries the fingerprint and our own label.
    expect(JSON.stringify(ack)).not.toContain('channel');
    expect(JSON.stringify(apiPost(fp)!.blocks)).toContain('&lt;!channel&gt;');
    // An incoming webhook cannot call back, and Telegram has no webhook here: no buttons there.
    expect(slack.messages.every((m) => actionsOf(m.blocks).length === 0)).toBe(true);
    expect(telegram.messages.every((m) => m.body.reply_markup === undefined)).toBe(true);
  });

  it('sends no Acknowledge with a resolved alert', async () => {
    const fp = fingerprint();
    await h.announce(alertNotify('resolved', fp, 'critical'));
    await waitFor(() => slack.posts.some((p) => JSON.stringify(p.body).includes(fp)), { message: 'resolved message' });
    const resolved = slack.posts.find((p) => JSON.stringify(p.body).includes(fp))!;
    expect((resolved.blocks ?? []).some((b) => (b as { type: string }).type === 'actions')).toBe(false);
  });

  it('turns a signed Approve into commands.approval.decide, audited, and tells the presser', async () => {
    const approvalId = await requestApproval(h, 'restart_service');
    await waitFor(() => slack.posts.some((p) => JSON.stringify(p.body).includes(approvalId)), { message: 'approval request posted' });
    const responseUrl = slack.responseUrl(approvalId);
    const body = slackBlockActionsBody({ userId: 'U0ALICE', actionId: 'firebreak_approve', value: approvalId, responseUrl });
    const res = await post(h, URL, slackSignatureHeaders(SIGNING_SECRET, body), body);

    expect(res.statusCode).toBe(200);
    await waitFor(() => decisionsOf(approvalId).length === 1, { message: 'decision request published' });
    const [event] = decisionsOf(approvalId);
    expect(event).toMatchObject({ type: 'firebreak.commands.approval.decide.v1', source: 'firebreak/notifier', subject: approvalId });
    expect(event.data).toEqual({
      approvalId,
      decision: 'approve',
      actor: { name: 'alice', role: 'operator', via: 'slack', chatUserId: 'U0ALICE' },
      comment: 'from Slack',
      requestedAt: expect.stringMatching(/^20\d\d-/),
    });
    await waitFor(() => responsesFor(approvalId).length === 1, { message: 'ephemeral reply' });
    expect(responsesFor(approvalId)[0]).toMatchObject({
      responseType: 'ephemeral',
      replaceOriginal: false,
      text: 'Approval request sent for runbook restart_service; the decision will be posted here',
    });
    const audit = await h.app.get(AuditLog).recent(50);
    expect(audit).toContainEqual(
      expect.objectContaining({ actor: 'alice via slack', action: 'chat.approval.approve', target: approvalId }),
    );
  });

  it('turns a signed Acknowledge into commands.alert.acknowledge', async () => {
    const fp = fingerprint();
    const res = await press({ userId: 'U0ALICE', actionId: 'firebreak_ack', value: fp }).send();
    expect(res.statusCode).toBe(200);
    await waitFor(() => acks.some((e) => e.data.fingerprint === fp), { message: 'acknowledge request published' });
    expect(acks.find((e) => e.data.fingerprint === fp)!.data.actor).toEqual({
      name: 'alice',
      role: 'operator',
      via: 'slack',
      chatUserId: 'U0ALICE',
    });
  });

  it.each([
    ['a forged signature', { secret: 'not-the-signing-secret' }],
    ['a replay of a signed request 6 minutes old', { ageSec: 6 * 60 }],
  ])('refuses %s with 401 and publishes nothing', async (_case, options) => {
    const approvalId = randomUUID();
    const res = await press({ userId: 'U0ALICE', actionId: 'firebreak_approve', value: approvalId }, options).send();
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    await settle();
    expect(decisionsOf(approvalId)).toHaveLength(0);
    expect(responsesFor(approvalId)).toHaveLength(0);
  });

  it('sends no reply to a response_url outside Slack (no POST into the internal network), and still takes the press', async () => {
    const internal = new FakeHttpTarget();
    await internal.start();
    try {
      const approvalId = randomUUID();
      const responseUrl = `${internal.url}/internal/admin?x=1`;
      const body = slackBlockActionsBody({ userId: 'U0ALICE', actionId: 'firebreak_approve', value: approvalId, responseUrl });
      expect((await post(h, URL, slackSignatureHeaders(SIGNING_SECRET, body), body)).statusCode).toBe(200);
      await waitFor(() => decisionsOf(approvalId).length === 1, { message: 'decision request published' });
      await settle();
      expect(internal.requests).toEqual([]);
    } finally {
      await internal.stop();
    }
  });

  it('refuses a request without signature headers or with a JSON body', async () => {
    const body = slackBlockActionsBody({ userId: 'U0ALICE', actionId: 'firebreak_approve', value: 'x', responseUrl: slack.responseUrl() });
    expect((await post(h, URL, { 'content-type': 'application/x-www-form-urlencoded' }, body)).statusCode).toBe(401);
    const json = await post(h, URL, { 'content-type': 'application/json' }, JSON.stringify({ payload: '{}' }));
    expect(json.statusCode).toBe(415);
  });

  it.each([
    ['an unmapped user', 'U0MALLORY', UNMAPPED_REPLY],
    ['a viewer', 'U0CAROL', 'Viewers cannot approve'],
  ])('tells %s no in the chat and publishes nothing', async (_case, userId, reply) => {
    const approvalId = randomUUID();
    const responseUrl = slack.responseUrl(approvalId);
    const body = slackBlockActionsBody({ userId, actionId: 'firebreak_approve', value: approvalId, responseUrl });
    expect((await post(h, URL, slackSignatureHeaders(SIGNING_SECRET, body), body)).statusCode).toBe(200);
    await waitFor(() => responsesFor(approvalId).length === 1, { message: 'refusal reply' });
    expect(responsesFor(approvalId)[0]).toMatchObject({ responseType: 'ephemeral', text: reply });
    await settle();
    expect(decisionsOf(approvalId)).toHaveLength(0);
  });

  it('publishes one well-formed request per press: a double click is two, a resent press is still one', async () => {
    const approvalId = randomUUID();
    const first = press({ userId: 'U0ALICE', actionId: 'firebreak_approve', value: approvalId, triggerId: `t1-${approvalId}` });
    const second = press({ userId: 'U0ALICE', actionId: 'firebreak_approve', value: approvalId, triggerId: `t2-${approvalId}` });
    expect((await first.send()).statusCode).toBe(200);
    expect((await second.send()).statusCode).toBe(200);
    // The same press delivered again (freshly signed): its event id and inbox row are the same.
    expect((await post(h, URL, slackSignatureHeaders(SIGNING_SECRET, first.body), first.body)).statusCode).toBe(200);
    await settle();

    const published = decisionsOf(approvalId);
    expect(published).toHaveLength(2);
    expect(new Set(published.map((e) => e.id)).size).toBe(2);
    for (const event of published) expect(event.data).toMatchObject({ approvalId, decision: 'approve', actor: { name: 'alice' } });
  });

  it('keeps a hostile button value as data: not a fingerprint, so nothing is published and the presser is told', async () => {
    const value = '<!channel> *x* `rm -rf /`'.repeat(20);
    const responseUrl = slack.responseUrl('hostile');
    const body = slackBlockActionsBody({ userId: 'U0ALICE', actionId: 'firebreak_ack', value, responseUrl });
    expect((await post(h, URL, slackSignatureHeaders(SIGNING_SECRET, body), body)).statusCode).toBe(200);
    await waitFor(() => responsesFor('hostile').length === 1, { message: 'reply to the hostile press' });
    expect(responsesFor('hostile')[0].text).toBe('This button is not valid any more');
    await settle();
    expect(acks.some((e) => e.data.fingerprint === value)).toBe(false);
  });
});
