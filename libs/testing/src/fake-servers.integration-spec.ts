import { FakeHttpTarget } from './fake-http-target';
import { FakePagerDuty } from './fake-pagerduty';
import { FakeSlack } from './fake-slack';
import { FakeTelegram } from './fake-telegram';
import { FakeWebhook } from './fake-webhook';

async function post(url: string, body: unknown, contentType = 'application/json') {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: payload });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

describe('FakeTelegram', () => {
  const telegram = new FakeTelegram({ validToken: '123:abc' });
  const sendMessage = (body: unknown, token = '123:abc') => post(`${telegram.url}/bot${token}/sendMessage`, body);
  beforeAll(() => telegram.start());
  afterAll(() => telegram.stop());
  afterEach(() => telegram.reset());

  it('answers sendMessage like Telegram, with incrementing ids and tags stripped', async () => {
    const first = await sendMessage({ chat_id: -1001, text: '<b>ServiceDown</b> &lt;api&gt;', parse_mode: 'HTML' });
    const second = await sendMessage({ chat_id: '-1001', text: 'plain' });

    expect(first.status).toBe(200);
    expect(first.json()).toEqual({
      ok: true,
      result: { message_id: 1, date: expect.any(Number), chat: { id: -1001, type: 'group' }, text: 'ServiceDown <api>' },
    });
    expect(second.json()).toMatchObject({ result: { message_id: 2, chat: { id: -1001 } } });
    expect(telegram.messages.map((m) => [m.chatId, m.text, m.parseMode])).toEqual([
      [-1001, '<b>ServiceDown</b> &lt;api&gt;', 'HTML'],
      [-1001, 'plain', undefined],
    ]);
  });

  it('accepts form-urlencoded bodies', async () => {
    const res = await post(
      `${telegram.url}/bot123:abc/sendMessage`,
      new URLSearchParams({ chat_id: '42', text: 'hi' }).toString(),
      'application/x-www-form-urlencoded',
    );
    expect(res.status).toBe(200);
    expect(telegram.messages[0]).toMatchObject({ chatId: 42, text: 'hi', token: '123:abc' });
  });

  it('accepts escaped HTML and rejects a raw <script>', async () => {
    const escaped = await sendMessage({ chat_id: 1, text: 'a &amp; b &lt;script&gt; &#39;x&#x27;', parse_mode: 'HTML' });
    const raw = await sendMessage({ chat_id: 1, text: 'x <script>alert(1)</script>', parse_mode: 'HTML' });

    expect(escaped.json()).toMatchObject({ ok: true, result: { text: "a & b <script> 'x'" } });
    expect(raw.status).toBe(400);
    expect(raw.json()).toEqual({
      ok: false,
      error_code: 400,
      description: 'Bad Request: can\'t parse entities: Unsupported start tag "script" at byte offset 2',
    });
    expect(telegram.messages).toHaveLength(1);
  });

  it.each([
    [{ text: 'no chat' }, 'Bad Request: chat_id is empty'],
    [{ chat_id: 1 }, 'Bad Request: message text is empty'],
    [{ chat_id: 1, text: 'x'.repeat(4097) }, 'Bad Request: message is too long'],
    [{ chat_id: 1, text: 'a & b', parse_mode: 'HTML' }, 'Bad Request: can\'t parse entities: Unescaped "&" at byte offset 2'],
  ])('rejects %j with 400 %s', async (body, description) => {
    const res = await sendMessage(body);
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ ok: false, error_code: 400, description });
  });

  it('answers 401 for an unknown bot token', async () => {
    const res = await sendMessage({ chat_id: 1, text: 'x' }, '999:wrong');
    expect(res.status).toBe(401);
    expect(res.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
  });

  it('fails the next requests with 429 and retry_after, then recovers', async () => {
    telegram.failNext(2, { status: 429, retryAfterSec: 7 });
    const first = await sendMessage({ chat_id: 1, text: 'x' });
    await sendMessage({ chat_id: 1, text: 'x' });
    const third = await sendMessage({ chat_id: 1, text: 'x' });

    expect(first.status).toBe(429);
    expect(first.json()).toEqual({
      ok: false,
      error_code: 429,
      description: 'Too Many Requests: retry after 7',
      parameters: { retry_after: 7 },
    });
    expect(third.status).toBe(200);
    expect(telegram.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    await expect(telegram.waitForRequests(1, 1000)).resolves.toHaveLength(1);
  });
});

describe('FakeSlack', () => {
  const slack = new FakeSlack();
  beforeAll(() => slack.start());
  afterAll(() => slack.stop());
  afterEach(() => slack.reset());

  it('answers a webhook post with the plain body ok', async () => {
    const res = await post(slack.webhookUrl(), { text: 'ServiceDown', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x' } }] });
    expect(res.status).toBe(200);
    expect(res.text).toBe('ok');
    expect(slack.messages[0]).toMatchObject({ path: '/services/T000/B000/XXXX', text: 'ServiceDown' });
  });

  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
  it.each([
    ['a body that is not JSON', 'not json', 'invalid_payload'],
    ['no text and no blocks', { username: 'x' }, 'no_text'],
    ['51 blocks', { text: 'x', blocks: Array.from({ length: 51 }, () => section('x')) }, 'invalid_blocks'],
    ['a section over 3000 characters', { text: 'x', blocks: [section('y'.repeat(3001))] }, 'invalid_blocks'],
  ])('rejects %s with 400', async (_case, body, code) => {
    const res = await post(slack.webhookUrl(), body);
    expect([res.status, res.text]).toEqual([400, code]);
    expect(slack.messages).toHaveLength(0);
  });

  it('rate-limits with 429, Retry-After and rate_limited', async () => {
    slack.failNext(1, { status: 429, retryAfterSec: 3 });
    const limited = await post(slack.webhookUrl(), { text: 'x' });
    const next = await post(slack.webhookUrl(), { text: 'x' });

    expect([limited.status, limited.headers.get('retry-after'), limited.text]).toEqual([429, '3', 'rate_limited']);
    expect(next.status).toBe(200);
  });
});

describe('FakePagerDuty', () => {
  const pagerduty = new FakePagerDuty();
  const routingKey = 'r'.repeat(32);
  const trigger = (dedupKey?: string) => ({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: { summary: 'ServiceDown api', source: 'firebreak', severity: 'critical' },
  });
  beforeAll(() => pagerduty.start());
  afterAll(() => pagerduty.stop());
  afterEach(() => pagerduty.reset());

  it('opens an incident on trigger and closes it on resolve with the same dedup_key', async () => {
    const opened = await post(pagerduty.eventsUrl, trigger('fp-1'));
    await post(pagerduty.eventsUrl, trigger('fp-1'));
    expect(opened.status).toBe(202);
    expect(opened.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'fp-1' });
    expect(pagerduty.incidents().get('fp-1')).toMatchObject({ status: 'triggered', events: [{}, {}] });

    await post(pagerduty.eventsUrl, { routing_key: routingKey, event_action: 'resolve', dedup_key: 'fp-1' });
    expect(pagerduty.incidents().get('fp-1')?.status).toBe('resolved');

    await post(pagerduty.eventsUrl, trigger('fp-1'));
    expect(pagerduty.incidents().get('fp-1')).toMatchObject({ status: 'triggered', events: [{ event_action: 'trigger' }] });
  });

  it('generates a dedup_key for a trigger without one', async () => {
    const res = await post(pagerduty.eventsUrl, trigger());
    const { dedup_key } = res.json();
    expect(dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect(pagerduty.incidents().has(dedup_key as string)).toBe(true);
  });

  it('rejects an invalid event with 400 and the list of errors', async () => {
    const res = await post(pagerduty.eventsUrl, {
      routing_key: 'short',
      event_action: 'trigger',
      payload: { summary: 's'.repeat(1025), severity: 'fatal' },
    });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ status: 'invalid event', message: 'Event object is invalid', errors: expect.any(Array) });
    expect(res.json().errors).toHaveLength(4);

    const resolveWithoutKey = await post(pagerduty.eventsUrl, { routing_key: routingKey, event_action: 'resolve' });
    expect(resolveWithoutKey.status).toBe(400);
    expect(pagerduty.events).toHaveLength(0);
  });

  it("throttles with 429 in PagerDuty's shape", async () => {
    pagerduty.failNext(1, { status: 429 });
    const res = await post(pagerduty.eventsUrl, trigger('fp-2'));
    expect(res.status).toBe(429);
    expect(res.json()).toEqual({
      status: 'throttle event',
      message: 'Requests for this service are arriving too quickly.  Please retry later.',
    });
    expect(pagerduty.incidents().size).toBe(0);
  });
});

describe('FakeWebhook', () => {
  const webhook = new FakeWebhook();
  beforeAll(() => webhook.start());
  afterAll(() => webhook.stop());

  it('records JSON posts and fails on demand with 500 or 429 + Retry-After', async () => {
    webhook.failNext(1, { status: 500 });
    webhook.failNext(1, { status: 429, retryAfterSec: 2 });
    const failed = await post(`${webhook.url}/hook`, { n: 1 });
    const limited = await post(`${webhook.url}/hook`, { n: 2 });
    const ok = await post(`${webhook.url}/hook`, { n: 3 });

    expect(failed.status).toBe(500);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    expect([ok.status, ok.json()]).toEqual([200, { ok: true }]);
    expect(webhook.bodies).toEqual([{ n: 3 }]);
    expect(webhook.requests[2]).toMatchObject({ method: 'POST', path: '/hook', headers: { 'content-type': 'application/json' } });
  });
});

describe('FakeHttpTarget', () => {
  const target = new FakeHttpTarget();
  beforeAll(() => target.start());
  afterAll(() => target.stop());

  it('answers configured routes, 200 { ok: true } otherwise, and records requests', async () => {
    target.on('post', '/restart', (req) => ({ status: 201, body: { restarted: (req.body as { service: string }).service }, delayMs: 20 }));

    const restarted = await post(`${target.url}/restart`, { service: 'api' });
    const other = await fetch(`${target.url}/health?deep=1`);

    expect([restarted.status, restarted.json()]).toEqual([201, { restarted: 'api' }]);
    expect([other.status, await other.json()]).toEqual([200, { ok: true }]);
    expect(target.requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ['POST', '/restart', {}],
      ['GET', '/health', { deep: '1' }],
    ]);
  });

  it('times out waitForRequests with a message saying what it got', async () => {
    target.reset();
    await expect(target.waitForRequests(1, 100)).rejects.toThrow('expected 1 successful requests, got 0');
  });
});
