import { Clock } from '@firebreak/platform';
import { FakeWebhook, resolveDatabaseUrl, resolveNatsUrl, TcpProxy, uniqueTestId, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';

/** Real time plus an offset the test moves forward, to reach the end of a lease without waiting for it. */
class MovableClock implements Pick<Clock, 'now'> {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const OPERATOR = 'operator-token-1';
const CONCURRENCY = 2;

describe('notifier sends: a bounded number in flight, and a Postgres cut never sends anything twice', () => {
  const hook = new FakeWebhook();
  const clock = new MovableClock();
  let proxy: TcpProxy;
  let h: NotifierHarness;

  beforeAll(async () => {
    await hook.start();
    const databaseUrl = new URL(await resolveDatabaseUrl());
    proxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
    await proxy.start();
    databaseUrl.host = `127.0.0.1:${proxy.port}`;
    const channels = `channels:
  - { name: hook, type: webhook, url: "${hook.url}/in", concurrency: ${CONCURRENCY}, rateLimit: { perMinute: 60000, burst: 1000 }, fold: false }
routes:
  - { matchers: [], channels: [hook] }
`;
    h = new NotifierHarness(uniqueTestId('notifier_outage'), uniqueTestId('notifier_outage'), NotifierHarness.writeConfig(channels));
    Object.assign(process.env, {
      NATS_URL: await resolveNatsUrl(),
      DATABASE_URL: databaseUrl.toString(),
      FIREBREAK_SUBJECT_PREFIX: h.prefix,
      FIREBREAK_DB_SCHEMA: h.schema,
      FIREBREAK_CONFIG_DIR: h.configDir,
      FIREBREAK_API_TOKENS: `${OPERATOR}:operator:otto`,
      FIREBREAK_NOTIFY_POLL_MS: '50',
      FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'silent',
    });
    await h.start(AppModule, process.env.NATS_URL!, { clock });
  });

  afterAll(async () => {
    await proxy.restore().catch(() => undefined);
    await h?.stop(await resolveDatabaseUrl());
    await proxy?.stop();
    await hook.stop();
  });

  beforeEach(() => {
    hook.reset();
    hook.answerDelayMs = 0;
  });

  const sentTo = (fp: string) => hook.successfulRequests.filter((request) => request.rawBody.includes(fp));

  it(`keeps at most the channel's concurrency (${CONCURRENCY}) of sends on the wire`, async () => {
    hook.answerDelayMs = 150;
    const fps = Array.from({ length: 10 }, () => fingerprint());
    await Promise.all(fps.map((fp) => h.announce(alertNotify('firing', fp, 'critical'))));
    await waitFor(() => fps.every((fp) => sentTo(fp).length === 1), { timeoutMs: 20_000, message: 'not every alert was sent' });
    expect(hook.maxConcurrent).toBe(CONCURRENCY);
  });

  it('writes the answers Postgres could not take once it is back, and never sends them again, even past their lease', async () => {
    hook.answerDelayMs = 800;
    const fps = [fingerprint(), fingerprint()];
    for (const fp of fps) await h.announce(alertNotify('firing', fp, 'critical'));
    // Both are on the wire: cut Postgres before the provider answers, so the answers cannot be written.
    await waitFor(() => hook.requests.length === 2, { timeoutMs: 10_000, message: 'the sends did not start' });
    await proxy.cut();
    await waitFor(() => fps.every((fp) => sentTo(fp).length === 1), { timeoutMs: 10_000, message: 'the provider did not answer' });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await proxy.restore();

    await waitFor(
      async () =>
        (await h.history('status=sent&limit=500', OPERATOR)).items.filter((item) => fps.includes(item.fingerprint as string)).length === 2,
      {
        timeoutMs: 20_000,
        message: 'the answers were not written after Postgres came back',
      },
    );
    // Past every lease: a delivery whose answer had been lost would be claimed and sent again now.
    clock.offsetMs += 10 * 60_000;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(fps.map((fp) => sentTo(fp).length)).toEqual([1, 1]);
    const items = (await h.history('limit=500', OPERATOR)).items.filter((item) => fps.includes(item.fingerprint as string));
    expect(items.map((item) => [item.status, item.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
    ]);
  });

  it('sends each delivery with its own idempotency key, the delivery id', async () => {
    const fp = fingerprint();
    await h.announce(alertNotify('firing', fp, 'critical'));
    await waitFor(() => sentTo(fp).length === 1, { timeoutMs: 10_000, message: 'not sent' });
    const [item] = (await h.history(`fingerprint=${fp}`, OPERATOR)).items;
    expect(sentTo(fp)[0].headers['idempotency-key']).toBe(item.id);
  });
});
