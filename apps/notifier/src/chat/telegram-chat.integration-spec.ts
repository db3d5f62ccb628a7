import { randomUUID } from 'node:crypto';
import { EventOf } from '@firebreak/contracts';
import { FakeTelegram, resolveDatabaseUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { HOSTILE_LABELS, post, requestApproval, writeChatUsers } from '../testing/chat-fixtures';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { UNMAPPED_REPLY } from './chat.service';

/**
 * Telegram buttons (issue #13): the bot's webhook is set at start with our secret; inline keyboards on approval
 * requests and firing alerts; a callback_query with the right secret header becomes a request on the bus and is
 * answered; a wrong secret, an unmapped user or a retried update has no (further) effect.
 */

const BOT = '123456:tg-chat-token';
const SECRET = 'tg_webhook-secret_0123456789';
const WEBHOOK_URL = 'https://firebreak.example.com/api/v1/chat/telegram/webhook';
const FAST = 'rateLimit: { perMinute: 6000, burst: 200 }';
const CHANNELS = `
channels:
  - { name: oncall-tg, type: telegram, botToken: "\${TELEGRAM_BOT_TOKEN}", chatIds: ["-1001"], ${FAST} }
routes:
  - { matchers: ['severity="critical"'], channels: [oncall-tg] }
`;
const USERS = `
telegram:
  - { id: 4242, name: bob, role: admin }
  - { id: "4343", name: vic, role: viewer }
`;
const URL = '/api/v1/chat/telegram/webhook?channel=oncall-tg';

describe('Telegram chat buttons', () => {
  const telegram = new FakeTelegram({ validToken: BOT });
  const h = new NotifierHarness(uniqueTestId('notifier-tgchat'), uniqueTestId('notifier-tgchat'), NotifierHarness.writeConfig(CHANNELS));
  let decisions: Array<EventOf<'commands.approval.decide'>>;
  let acks: Array<EventOf<'commands.alert.acknowledge'>>;
  let updateId = 1000;

  const callback = (fromId: number, data: string, queryId = randomUUID()) => ({
    update_id: updateId++,
    callback_query: {
      id: queryId,
      from: { id: fromId, is_bot: false, first_name: 'Bob', username: 'bob' },
      chat_instance: '-77',
      data,
      message: { message_id: 7, date: 1_700_000_000, chat: { id: -1001, type: 'supergroup' }, text: 'APPROVAL NEEDED' },
    },
  });
  const send = (update: unknown, secret: string | null = SECRET) =>
    post(
      h,
      URL,
      { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-telegram-bot-api-secret-token': secret }) },
      JSON.stringify(update),
    );
  const answersFor = (queryId: string) => telegram.callsOf('answerCallbackQuery').filter((c) => c.params.callback_query_id === queryId);
  const decisionsOf = (approvalId: string) => decisions.filter((e) => e.data.approvalId === approvalId);
  const settle = async () => {
    const marker = randomUUID();
    expect((await send(callback(4242, `rj:${marker}`))).statusCode).toBe(200);
    await waitFor(() => decisionsOf(marker).length === 1, { message: 'marker press published' });
  };

  beforeAll(async () => {
    await telegram.start();
    writeChatUsers(h, USERS);
    const natsUrl = await h.useEnvironment({
      TELEGRAM_BOT_TOKEN: BOT,
      TELEGRAM_API_URL: telegram.url,
      FIREBREAK_TELEGRAM_WEBHOOK_URL: WEBHOOK_URL,
      FIREBREAK_TELEGRAM_WEBHOOK_SECRET: SECRET,
      FIREBREAK_NOTIFY_POLL_MS: '50',
      LOG_LEVEL: 'silent',
    });
    await h.start(AppModule, natsUrl);
    decisions = await h.collect('commands.approval.decide');
    acks = await h.collect('commands.alert.acknowledge');
  });
  afterAll(async () => {
    await h.stop(await resolveDatabaseUrl());
    await telegram.stop();
  });

  it('sets the bot’s webhook at start, naming the channel, with the secret token', async () => {
    await waitFor(() => telegram.callsOf('setWebhook').length === 1, { message: 'setWebhook at start' });
    const [call] = telegram.callsOf('setWebhook');
    expect(call.token).toBe(BOT);
    expect(call.params).toEqual({ url: `${WEBHOOK_URL}?channel=oncall-tg`, secret_token: SECRET, allowed_updates: ['callback_query'] });
  });

  it('puts an inline keyboard on approval requests and firing alerts, with short callback data', async () => {
    const approvalId = await requestApproval(h);
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'critical', HOSTILE_LABELS));
    const message = (needle: string) => telegram.messages.find((m) => m.text.includes(needle));
    await waitFor(() => Boolean(message(approvalId) && message(fp)), { message: 'both messages sent' });

    expect(message(approvalId)!.body.reply_markup).toEqual({
      inline_keyboard: [
        [
          { text: 'Approve', callback_data: `ap:${approvalId}` },
          { text: 'Reject', callback_data: `rj:${approvalId}` },
        ],
      ],
    });
    // The button names the episode (alertNotify's startsAt, 2025-01-01T00:00:00Z, in epoch seconds).
    expect(message(fp)!.body.reply_markup).toEqual({ inline_keyboard: [[{ text: 'Acknowledge', callback_data: `ack:${fp}:1735689600` }]] });
    // The hostile labels are escaped text of the message, never markup or button data.
    expect(message(fp)!.text).toContain('&lt;script&gt;');
  });

  it('refuses a wrong or missing secret header with 401 and publishes nothing', async () => {
    const approvalId = randomUUID();
    const wrong = await send(callback(4242, `ap:${approvalId}`), 'not-the-secret');
    const missing = await send(callback(4242, `ap:${approvalId}`), null);
    expect([wrong.statusCode, missing.statusCode]).toEqual([401, 401]);
    expect(wrong.json()).toMatchObject({ error: { code: 'unauthorized' } });
    await settle();
    expect(decisionsOf(approvalId)).toHaveLength(0);
  });

  it('turns a callback_query into commands.approval.decide and answers it', async () => {
    const approvalId = await requestApproval(h, 'scale_up');
    await waitFor(() => telegram.messages.some((m) => m.text.includes(approvalId)), { message: 'approval request sent' });
    const update = callback(4242, `ap:${approvalId}`);
    expect((await send(update)).statusCode).toBe(200);

    await waitFor(() => decisionsOf(approvalId).length === 1, { message: 'decision request published' });
    expect(decisionsOf(approvalId)[0].data).toEqual({
      approvalId,
      decision: 'approve',
      actor: { name: 'bob', role: 'admin', via: 'telegram', chatUserId: '4242' },
      comment: 'from Telegram',
      requestedAt: expect.stringMatching(/^20\d\d-/),
    });
    await waitFor(() => answersFor(update.callback_query.id).length === 1, { message: 'answerCallbackQuery' });
    expect(answersFor(update.callback_query.id)[0]).toMatchObject({
      token: BOT,
      params: { text: 'Approval request sent for runbook scale_up; the decision will be posted here', show_alert: false },
    });
  });

  it('publishes a retried update once, and a second press (double click) as its own request', async () => {
    const fp = fingerprint();
    const first = callback(4242, `ack:${fp}`);
    expect((await send(first)).statusCode).toBe(200);
    expect((await send(first)).statusCode).toBe(200);
    expect((await send(callback(4242, `ack:${fp}`))).statusCode).toBe(200);
    await settle();
    await waitFor(() => acks.filter((e) => e.data.fingerprint === fp).length >= 2, { message: 'two acknowledge requests' });
    const published = acks.filter((e) => e.data.fingerprint === fp);
    expect(published).toHaveLength(2);
    expect(published.every((e) => e.data.actor.via === 'telegram')).toBe(true);
    // The redelivered update is answered again, neutrally (its first answer may have been lost), and not published again.
    await waitFor(() => answersFor(first.callback_query.id).length === 2, { message: 'both deliveries answered' });
    expect(answersFor(first.callback_query.id).map((answer) => answer.params.text)).toEqual(
      expect.arrayContaining(['Already received', expect.stringContaining('Acknowledgement request sent')]),
    );
  });

  it("carries the episode of the button's message, so the mapper can refuse a button of an earlier episode", async () => {
    const fp = fingerprint();
    const epoch = 1_765_000_000;
    expect((await send(callback(4242, `ack:${fp}:${epoch}`))).statusCode).toBe(200);
    await waitFor(() => acks.some((e) => e.data.fingerprint === fp), { message: 'acknowledge request published' });
    expect(acks.find((e) => e.data.fingerprint === fp)!.data).toMatchObject({
      fingerprint: fp,
      episodeStartsAt: new Date(epoch * 1000).toISOString(),
    });

    const forged = fingerprint();
    const update = callback(4242, `ack:${forged}:soon`);
    expect((await send(update)).statusCode).toBe(200);
    await waitFor(() => answersFor(update.callback_query.id).length === 1, { message: 'refusal answered' });
    await settle();
    expect(acks.filter((e) => e.data.fingerprint.startsWith(forged))).toEqual([]);
  });

  it('answers a press on an approval already announced as decided at once, and publishes nothing', async () => {
    const approvalId = await requestApproval(h, 'scale_up');
    await waitFor(() => telegram.messages.some((m) => m.text.includes(approvalId)), { message: 'approval request sent' });
    const decidedAt = new Date().toISOString();
    await h.publisher.publish(
      'runbooks.approval.decided',
      { approvalId, executionId: randomUUID(), decision: 'expired', decidedAt },
      { id: randomUUID() },
    );
    await waitFor(() => telegram.messages.some((m) => m.text.includes('EXPIRED') || m.text.includes('expired')), {
      message: 'decision announced',
    });
    const update = callback(4242, `ap:${approvalId}`);
    expect((await send(update)).statusCode).toBe(200);
    await waitFor(() => answersFor(update.callback_query.id).length === 1, { message: 'press answered' });
    expect(answersFor(update.callback_query.id)[0].params).toMatchObject({
      text: 'This approval is already expired: nothing was sent',
      show_alert: true,
    });
    await settle();
    expect(decisionsOf(approvalId)).toHaveLength(0);
  });

  it.each([
    ['an unmapped user', 9999, UNMAPPED_REPLY],
    ['a viewer', 4343, 'Viewers cannot reject'],
  ])('refuses %s in an alert dialog and publishes nothing', async (_case, fromId, text) => {
    const approvalId = randomUUID();
    const update = callback(fromId, `rj:${approvalId}`);
    expect((await send(update)).statusCode).toBe(200);
    await waitFor(() => answersFor(update.callback_query.id).length === 1, { message: 'refusal answered' });
    expect(answersFor(update.callback_query.id)[0].params).toMatchObject({ text, show_alert: true });
    await settle();
    expect(decisionsOf(approvalId)).toHaveLength(0);
  });

  it('answers 200 to updates that are not button presses and ignores them', async () => {
    const res = await send({
      update_id: updateId++,
      message: { message_id: 1, date: 1, chat: { id: -1001, type: 'group' }, text: '/start' },
    });
    expect(res.statusCode).toBe(200);
    const garbage = await send({ hello: 'world' });
    expect(garbage.statusCode).toBe(400);
  });
});
