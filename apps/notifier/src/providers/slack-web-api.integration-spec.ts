import { FakeSlack } from '@firebreak/testing';
import { parseChannelSet } from '../channel-config/channel-set';
import { Notification } from '../notifications/notification';
import { NotifierConfig } from '../service';
import { renderSlackMessage, SlackProvider } from './slack.provider';

/** The Slack provider against the fake over real HTTP: the Web API (chat.postMessage) and the webhook. */

const TOKEN = 'xoxb-111-222-secretvalue';
const CHANNEL_ID = 'C0ALERTS';

const notification: Notification = {
  kind: 'firing',
  severity: 'critical',
  emoji: '🔴',
  source: 'ApiDown',
  status: 'FIRING',
  title: 'api is down',
  text: 'up == 0 for 5m',
  details: [['job', 'api']],
  links: [{ text: 'Grafana', href: 'https://grafana.example/d/1' }],
  fingerprint: 'fp-slack-web-api',
  dedupKey: 'fp-slack-web-api',
  labels: { alertname: 'ApiDown' },
  annotations: {},
  occurredAt: '2025-01-01T00:00:00.000Z',
};

describe('Slack provider', () => {
  const slack = new FakeSlack({ validToken: TOKEN, channels: [CHANNEL_ID] });
  const provider = new SlackProvider({ FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS: 2_000 } as NotifierConfig);
  const channelOf = (yaml: string, env: NodeJS.ProcessEnv) =>
    parseChannelSet(`channels:\n  - ${yaml}\nroutes: []`, env, 'channels.yaml').channels[0];
  const webApi = (token = TOKEN, channelId = CHANNEL_ID) =>
    channelOf(`{ name: s, type: slack, botToken: "\${SLACK_BOT_TOKEN}", channelId: ${channelId}, apiUrl: "${slack.apiUrl}" }`, {
      SLACK_BOT_TOKEN: token,
    });
  const send = (channel = webApi(), replyToMessageId?: string) =>
    provider.send(channel, { id: 'd1', target: 'default', notification, ...(replyToMessageId ? { replyToMessageId } : {}) });

  beforeAll(() => slack.start());
  afterAll(() => slack.stop());
  afterEach(() => slack.reset());

  it('posts chat.postMessage with the bot token, the channel and the blocks the webhook gets; keeps the ts', async () => {
    const outcome = await send();

    const [post] = slack.posts;
    expect(post).toMatchObject({ channel: CHANNEL_ID, token: TOKEN, threadTs: undefined });
    const { text, blocks } = renderSlackMessage(notification);
    expect(post.body).toEqual({ channel: CHANNEL_ID, text, blocks });
    expect(slack.requests[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(outcome).toEqual({ result: 'sent', status: 200, excerpt: JSON.stringify({ ok: true, channel: CHANNEL_ID, ts: post.ts }) });
  });

  it('posts a follow-up in the thread of the message it follows', async () => {
    await send();
    const parentTs = slack.posts[0].ts;
    expect((await send(webApi(), parentTs)).result).toBe('sent');
    expect(slack.posts[1]).toMatchObject({ threadTs: parentTs, body: { thread_ts: parentTs } });
  });

  it('retries ratelimited (HTTP 429) after Retry-After', async () => {
    slack.failNextPosts(1, { error: 'ratelimited', retryAfterSec: 4 });
    expect(await send()).toMatchObject({ result: 'retry', reason: 'throttled', status: 429, retryAfterMs: 4_000 });
    expect(await send()).toMatchObject({ result: 'sent' });
    expect(slack.posts).toHaveLength(1);
  });

  it("retries Slack's own failures with backoff", async () => {
    slack.failNextPosts(1, { error: 'internal_error' });
    expect(await send()).toMatchObject({ result: 'retry', reason: 'server_error', error: 'Slack API error: internal_error' });
  });

  it.each([
    ['invalid_auth', () => webApi('xoxb-wrong-token')],
    ['channel_not_found', () => webApi(TOKEN, 'C0GONE')],
    ['not_in_channel', () => (slack.failNextPosts(1, { error: 'not_in_channel' }), webApi())],
  ])('fails %s for good (HTTP 200, ok:false), quoting no token', async (code, channel) => {
    const outcome = await send(channel());
    expect(outcome).toMatchObject({ result: 'reject', status: 200, error: `Slack API error: ${code}` });
    expect(JSON.stringify(outcome)).not.toMatch(/xoxb-/);
    expect(slack.posts).toHaveLength(0);
  });

  it('an unreachable API is a network retry that does not quote the token', async () => {
    const channel = channelOf(`{ name: s, type: slack, botToken: "${TOKEN}", channelId: C1, apiUrl: "http://127.0.0.1:1/api" }`, {});
    const outcome = await send(channel);
    expect(outcome).toMatchObject({ result: 'retry', reason: 'network' });
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
  });

  it('webhook mode is unchanged: the same message to the webhook URL, no token, no thread', async () => {
    const channel = channelOf(`{ name: s, type: slack, webhookUrl: "${slack.webhookUrl()}" }`, {});
    expect(await send(channel, '1700000000.000100')).toEqual({ result: 'sent', status: 200, excerpt: 'ok' });
    expect(slack.messages[0].body).toEqual(renderSlackMessage(notification));
    expect(slack.requests[0].headers.authorization).toBeUndefined();
    expect(slack.posts).toHaveLength(0);
  });
});
