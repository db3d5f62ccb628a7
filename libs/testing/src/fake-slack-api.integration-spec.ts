import { createHmac } from 'node:crypto';
import { FakeSlack, slackBlockActionsBody, slackSignatureHeaders } from './fake-slack';

const TOKEN = 'xoxb-test-token';

describe('FakeSlack Web API (chat.postMessage)', () => {
  const slack = new FakeSlack({ validToken: TOKEN, channels: ['C0ALERTS'] });
  const postMessage = async (body: unknown, token: string | null = TOKEN) => {
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${slack.apiUrl}/chat.postMessage`, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), json: (await res.json()) as Record<string, unknown> };
  };
  beforeAll(() => slack.start());
  afterAll(() => slack.stop());
  afterEach(() => slack.reset());

  it('answers ok with the channel and a ts, and records a reply in a thread under its parent ts', async () => {
    const parent = await postMessage({ channel: 'C0ALERTS', text: 'ServiceDown' });
    expect(parent).toMatchObject({ status: 200, json: { ok: true, channel: 'C0ALERTS', ts: expect.stringMatching(/^\d+\.\d{6}$/) } });
    const parentTs = parent.json.ts as string;

    const reply = await postMessage({ channel: 'C0ALERTS', text: 'analysis', thread_ts: parentTs });
    expect(reply.json).toMatchObject({ ok: true, message: { thread_ts: parentTs } });
    expect(reply.json.ts).not.toBe(parentTs);
    expect(slack.posts.map((p) => [p.channel, p.text, p.threadTs, p.token])).toEqual([
      ['C0ALERTS', 'ServiceDown', undefined, TOKEN],
      ['C0ALERTS', 'analysis', parentTs, TOKEN],
    ]);
    // Web API posts are not webhook messages.
    expect(slack.messages).toHaveLength(0);
  });

  it.each([
    ['no token', { channel: 'C0ALERTS', text: 'x' }, null, 'not_authed'],
    ['a wrong token', { channel: 'C0ALERTS', text: 'x' }, 'xoxb-wrong', 'invalid_auth'],
    ['an unknown channel', { channel: 'C0OTHER', text: 'x' }, TOKEN, 'channel_not_found'],
    ['no text and no blocks', { channel: 'C0ALERTS' }, TOKEN, 'no_text'],
    [
      '51 blocks',
      { channel: 'C0ALERTS', text: 'x', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) },
      TOKEN,
      'invalid_blocks',
    ],
  ])('answers %s with HTTP 200 and ok:false', async (_case, body, token, error) => {
    const res = await postMessage(body, token);
    expect(res).toMatchObject({ status: 200, json: { ok: false, error } });
    expect(slack.posts).toHaveLength(0);
  });

  it('injects Web API errors: ratelimited as HTTP 429 with Retry-After, others as ok:false', async () => {
    slack.failNextPosts(1, { error: 'ratelimited', retryAfterSec: 7 });
    slack.failNextPosts(1, { error: 'not_in_channel' });
    const limited = await postMessage({ channel: 'C0ALERTS', text: 'x' });
    const refused = await postMessage({ channel: 'C0ALERTS', text: 'x' });
    const next = await postMessage({ channel: 'C0ALERTS', text: 'x' });

    expect(limited).toMatchObject({ status: 429, retryAfter: '7', json: { ok: false, error: 'ratelimited' } });
    expect(refused).toMatchObject({ status: 200, json: { ok: false, error: 'not_in_channel' } });
    expect(next.json.ok).toBe(true);
    expect(slack.posts).toHaveLength(1);
  });

  it('still checks the token before an injected error', async () => {
    slack.failNextPosts(1, { error: 'ratelimited' });
    const res = await postMessage({ channel: 'C0ALERTS', text: 'x' }, 'xoxb-wrong');
    expect(res.json).toMatchObject({ ok: false, error: 'invalid_auth' });
  });

  it('records what an app posts to an interaction response_url, and refuses a body that is not JSON', async () => {
    const url = slack.responseUrl('A1/press-1');
    const ok = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text: 'Approval sent' }),
    });
    const form = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'text=x' });
    expect([ok.status, form.status]).toEqual([200, 400]);
    expect(slack.responses).toEqual([
      expect.objectContaining({
        path: '/actions/T000/A1/press-1',
        responseType: 'ephemeral',
        replaceOriginal: false,
        text: 'Approval sent',
      }),
    ]);
  });

  it('signs an interaction body as Slack does (v0 HMAC over timestamp and raw body)', () => {
    const body = slackBlockActionsBody({ userId: 'U1', actionId: 'firebreak_ack', value: '0123456789abcdef', responseUrl: 'https://x' });
    const headers = slackSignatureHeaders('secret', body, 1_700_000_000);
    const expected = createHmac('sha256', 'secret').update(`v0:1700000000:${body}`).digest('hex');
    expect(headers).toEqual({
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': '1700000000',
      'x-slack-signature': `v0=${expected}`,
    });
    const payload = JSON.parse(new URLSearchParams(body).get('payload')!);
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U1' },
      actions: [{ action_id: 'firebreak_ack', value: '0123456789abcdef' }],
    });
  });

  it('refuses an actions block with a repeated action_id', async () => {
    const button = { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'A' }, value: '1' };
    const res = await postMessage({ channel: 'C0ALERTS', text: 'x', blocks: [{ type: 'actions', elements: [button, button] }] });
    expect(res.json).toMatchObject({ ok: false, error: 'invalid_blocks' });
  });
});
