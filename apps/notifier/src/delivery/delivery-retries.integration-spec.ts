import { randomBytes } from 'node:crypto';
import { CloudEvent, DataOf, NotificationFailed } from '@firebreak/contracts';
import { AuditLog, Clock } from '@firebreak/platform';
import { FakePagerDuty, FakeSlack, FakeTelegram, resolveDatabaseUrl, resolveNatsUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';

/** Real time plus an offset the test moves forward, so a minute of rate limit costs no minute. */
class MovableClock implements Pick<Clock, 'now'> {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const clock = new MovableClock();

const FAST = 'rateLimit: { perMinute: 6000, burst: 200 }';
const OPERATOR = 'operator-token-1';

describe('notifier delivery: retries, provider hints, failures and rate limits', () => {
  const telegram = new FakeTelegram();
  const slack = new FakeSlack();
  const slowSlack = new FakeSlack();
  const pagerduty = new FakePagerDuty();
  const fakes = [telegram, slack, slowSlack, pagerduty];
  let h: NotifierHarness;
  let failed: Array<CloudEvent<NotificationFailed>> = [];

  beforeAll(async () => {
    await Promise.all(fakes.map((fake) => fake.start()));
    const channels = `channels:
  - { name: tg, type: telegram, botToken: "1:token", chatIds: ["-1001"], ${FAST} }
  - { name: slack, type: slack, webhookUrl: "${slack.webhookUrl()}", ${FAST} }
  - { name: slow, type: slack, webhookUrl: "${slowSlack.webhookUrl()}", rateLimit: { perMinute: 1, burst: 2 } }
  - { name: pd, type: pagerduty, routingKey: "${'P'.repeat(32)}", ${FAST} }
routes:
  - { matchers: ['to="tg"'], channels: [tg] }
  - { matchers: ['to="slack"'], channels: [slack] }
  - { matchers: ['to="slow"'], channels: [slow] }
  - { matchers: ['to="pd"'], channels: [pd] }
`;
    h = new NotifierHarness(uniqueTestId('notifier_retry'), uniqueTestId('notifier_retry'), NotifierHarness.writeConfig(channels));
    Object.assign(process.env, {
      NATS_URL: await resolveNatsUrl(),
      DATABASE_URL: await resolveDatabaseUrl(),
      FIREBREAK_SUBJECT_PREFIX: h.prefix,
      FIREBREAK_DB_SCHEMA: h.schema,
      FIREBREAK_CONFIG_DIR: h.configDir,
      FIREBREAK_API_TOKENS: `${OPERATOR}:operator:otto`,
      FIREBREAK_NOTIFY_POLL_MS: '50',
      FIREBREAK_NOTIFY_RETRY_BASE_MS: '50',
      FIREBREAK_NOTIFY_MAX_ATTEMPTS: '3',
      FIREBREAK_NOTIFY_FOLD_AFTER: '3',
      LOG_LEVEL: 'silent',
      TELEGRAM_API_URL: telegram.url,
      PAGERDUTY_EVENTS_URL: pagerduty.eventsUrl,
    });
    await h.start(AppModule, process.env.NATS_URL!, { clock });
    failed = await h.collect('notifications.failed');
  });

  afterAll(async () => {
    await h?.stop(await resolveDatabaseUrl());
    await Promise.all(fakes.map((fake) => fake.stop()));
  });

  beforeEach(() => fakes.forEach((fake) => fake.reset()));

  const inject = (method: 'GET' | 'POST', url: string) => h.inject({ method, url, token: OPERATOR });
  const history = (query: string) => h.history(query, OPERATOR);

  async function announce(
    to: string,
    kind: DataOf<'alerts.notify'>['kind'] = 'firing',
    fp = fingerprint(),
    title = `alert ${fp}`,
  ): Promise<string> {
    await h.announce(alertNotify(kind, fp, 'critical', { to }, { summary: title }));
    return fp;
  }

  async function settledDelivery(fp: string): Promise<Record<string, unknown>> {
    let item: Record<string, unknown> | undefined;
    await waitFor(
      async () => {
        item = (await history(`fingerprint=${fp}`)).items[0];
        return item !== undefined && item.status !== 'pending';
      },
      { timeoutMs: 20_000, message: () => `delivery of ${fp}: ${JSON.stringify(item)}` },
    );
    return item!;
  }

  it("waits at least Telegram's retry_after after a 429, then sends", async () => {
    telegram.failNext(1, { status: 429, retryAfterSec: 1 });
    const fp = await announce('tg');
    expect(await settledDelivery(fp)).toMatchObject({ status: 'sent', attempts: 2 });
    const [throttled, accepted] = telegram.requests;
    expect([throttled.status, accepted.status]).toEqual([429, 200]);
    expect(accepted.receivedAt.getTime() - throttled.receivedAt.getTime()).toBeGreaterThanOrEqual(1_000);
  });

  it("waits at least Slack's Retry-After after a 429, then sends", async () => {
    slack.failNext(1, { status: 429, retryAfterSec: 1 });
    const fp = await announce('slack');
    expect(await settledDelivery(fp)).toMatchObject({ status: 'sent', attempts: 2, lastError: 'HTTP 429: rate_limited' });
    const [throttled, accepted] = slack.requests;
    expect(accepted.receivedAt.getTime() - throttled.receivedAt.getTime()).toBeGreaterThanOrEqual(1_000);
  });

  it('retries a 5xx with backoff and keeps a resolve behind its trigger meanwhile', async () => {
    pagerduty.failNext(2, { status: 503 });
    const fp = await announce('pd');
    await announce('pd', 'resolved', fp);
    await waitFor(async () => (await history(`fingerprint=${fp}&status=sent`)).items.length === 2, {
      timeoutMs: 20_000,
      message: 'trigger and resolve not both sent',
    });
    expect(pagerduty.requests.map((r) => [r.status, (r.body as { event_action: string }).event_action])).toEqual([
      [503, 'trigger'],
      [503, 'trigger'],
      [202, 'trigger'],
      [202, 'resolve'],
    ]);
    expect(pagerduty.incidents().get(fp)?.status).toBe('resolved');
  });

  it('does not retry a 4xx other than 429, and announces the failure', async () => {
    pagerduty.failNext(1, { status: 400 });
    const fp = await announce('pd');
    const delivery = await settledDelivery(fp);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 400 });
    expect(pagerduty.requests).toHaveLength(1);
    await waitFor(() => failed.some((e) => e.data.deliveryId === delivery.id), { message: 'no notifications.failed' });
  });

  it('gives up after the last attempt, publishes notifications.failed, and can be retried by an operator', async () => {
    slack.failNext(3, { status: 500 });
    const fp = await announce('slack');
    const delivery = await settledDelivery(fp);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3, lastError: 'HTTP 500: internal_error' });
    expect(slack.requests.map((r) => r.status)).toEqual([500, 500, 500]);
    await waitFor(() => failed.some((e) => e.data.deliveryId === delivery.id), { message: 'no notifications.failed' });
    const event = failed.find((e) => e.data.deliveryId === delivery.id)!;
    expect(event.data).toMatchObject({
      channel: 'slack',
      channelType: 'slack',
      fingerprint: fp,
      attempts: 3,
      severity: 'critical',
      error: 'HTTP 500: internal_error',
    });
    const failedMetric = /firebreak_notifications_failed_total\{channel="slack",severity="critical"\} [1-9]/;
    await waitFor(async () => failedMetric.test((await inject('GET', '/metrics')).body), { message: 'failure not counted' });

    const retried = await inject('POST', `/api/v1/notifications/${delivery.id}/retry`);
    expect(retried.statusCode).toBe(200);
    expect(await settledDelivery(fp)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await h.app.get(AuditLog).recent(5)).toContainEqual(
      expect.objectContaining({ actor: 'otto', action: 'notification.retry', target: delivery.id }),
    );
    expect((await inject('POST', `/api/v1/notifications/${delivery.id}/retry`)).statusCode).toBe(409);
  });

  it('holds messages over the rate limit and folds a backlog past the bound into one summary, dropping none', async () => {
    const titles = Array.from({ length: 8 }, (_, i) => `storm alert ${i} ${randomBytes(3).toString('hex')}`);
    for (const title of titles) await announce('slow', 'firing', fingerprint(), title);
    // The burst (2) goes at once; the rest waits for tokens, and more than 3 waiting are folded.
    await waitFor(async () => (await history('channel=slow&limit=500')).items.filter((i) => i.kind === 'firing').length === 8, {
      message: 'not all recorded',
    });
    await waitFor(async () => (await history('channel=slow&status=folded')).items.length > 0, { message: 'nothing folded' });
    expect(slowSlack.messages.length).toBeLessThanOrEqual(2);
    for (let minute = 0; minute < 8 && (await history('channel=slow&status=pending')).items.length > 0; minute++) {
      const before = slowSlack.messages.length;
      clock.offsetMs += 61_000;
      await waitFor(() => slowSlack.messages.length > before, { message: 'a token earned nothing' });
      // Slack has the message before its answer is written; until then its row still looks pending.
      await waitFor(async () => (await history('channel=slow&status=sent&limit=500')).items.length === slowSlack.messages.length, {
        message: 'the answer was not written',
      });
    }
    expect((await history('channel=slow&status=pending')).items).toEqual([]);

    const texts = slowSlack.messages.map((m) => JSON.stringify(m.blocks));
    for (const title of titles) expect(texts.filter((text) => text.includes(title))).toHaveLength(1);
    expect(slowSlack.messages.length).toBeLessThan(8);
    const summary = slowSlack.messages.find((m) => m.text?.includes('more alerts'))!;
    expect(JSON.stringify(summary.blocks)).toMatch(/\d+ more alerts: slow was over its rate limit/);
    const folded = (await history('channel=slow&status=folded&limit=500')).items as Array<{ foldedInto: string }>;
    expect(folded.every((item) => item.foldedInto)).toBe(true);
    expect((await inject('GET', '/metrics')).body).toMatch(/firebreak_notifications_folded_total\{channel="slow"\} [1-9]/);
  });
});
