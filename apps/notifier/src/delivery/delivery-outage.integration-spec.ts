import { DataSource } from 'typeorm';
import { CloudEvent, NotificationDelivered, NotificationFailed } from '@firebreak/contracts';
import { Clock, rowsOf, table } from '@firebreak/platform';
import {
  FakeResponse,
  FakeWebhook,
  RecordedRequest,
  resolveDatabaseUrl,
  resolveNatsUrl,
  TcpProxy,
  uniqueTestId,
  waitFor,
} from '@firebreak/testing';
import { AppModule } from '../app.module';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { OutcomeRecorder } from './outcome-recorder';

/** Real time plus an offset the test moves forward, to reach the end of a lease without waiting for it. */
class MovableClock implements Pick<Clock, 'now'> {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

/** A webhook target that gives the answer set for a text (a fingerprint) its request's body holds; 200 `{ ok: true }` otherwise. */
class ScriptedWebhook extends FakeWebhook {
  readonly answers = new Map<string, FakeResponse>();

  protected override handle(request: RecordedRequest): FakeResponse {
    for (const [marker, answer] of this.answers) if (request.rawBody.includes(marker)) return answer;
    return super.handle(request);
  }
}

const OPERATOR = 'operator-token-1';
const CONCURRENCY = 2;

describe('notifier sends: a bounded number in flight, answers kept through a Postgres cut, late and unstorable answers', () => {
  const hook = new ScriptedWebhook();
  const clock = new MovableClock();
  let proxy: TcpProxy;
  let h: NotifierHarness;
  /** Postgres itself, not through the proxy: what another replica, or an operator, sees. */
  let db: DataSource;
  let delivered: Array<CloudEvent<NotificationDelivered>>;
  let failed: Array<CloudEvent<NotificationFailed>>;

  beforeAll(async () => {
    await hook.start();
    const directUrl = await resolveDatabaseUrl();
    db = new DataSource({ type: 'postgres', url: directUrl });
    await db.initialize();
    const databaseUrl = new URL(directUrl);
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
    delivered = await h.collect('notifications.delivered');
    failed = await h.collect('notifications.failed');
  });

  afterAll(async () => {
    await db?.destroy();
    await proxy.restore().catch(() => undefined);
    await h?.stop(await resolveDatabaseUrl());
    await proxy?.stop();
    await hook.stop();
  });

  beforeEach(() => {
    hook.reset();
    hook.answerDelayMs = 0;
  });

  // A test that failed half-way must not leave Postgres cut for the next.
  afterEach(() => proxy.restore());

  const sentTo = (fp: string) => hook.successfulRequests.filter((request) => request.rawBody.includes(fp));
  const requestsFor = (fp: string) => hook.requests.filter((request) => request.rawBody.includes(fp));
  const recorder = () => h.app.get(OutcomeRecorder);
  const deliveries = () => table(h.schema, 'deliveries');
  const itemOf = async (fp: string) => (await h.history(`fingerprint=${fp}`, OPERATOR)).items[0];

  /** Starts the sends of `fps`, cuts Postgres while they are on the wire, and waits until their answers are kept in memory. */
  async function answersKeptThroughCut(fps: string[]): Promise<void> {
    // The answers are held until Postgres is cut (a fixed delay raced the cut on a busy machine: one answer was
    // written before it).
    const release = hook.holdAnswers();
    try {
      for (const fp of fps) await h.announce(alertNotify('firing', fp, 'critical'));
      await waitFor(() => fps.every((fp) => requestsFor(fp).length === 1), { timeoutMs: 10_000, message: 'the sends did not start' });
      await proxy.cut();
    } finally {
      release();
    }
    await waitFor(() => recorder().backedUp && recorder().unwritten === fps.length, {
      timeoutMs: 10_000,
      message: () => `answers not kept: backedUp ${recorder().backedUp}, unwritten ${recorder().unwritten}`,
    });
  }

  it(`keeps at most the channel's concurrency (${CONCURRENCY}) of sends on the wire`, async () => {
    hook.answerDelayMs = 150;
    const fps = Array.from({ length: 10 }, () => fingerprint());
    await Promise.all(fps.map((fp) => h.announce(alertNotify('firing', fp, 'critical'))));
    await waitFor(() => fps.every((fp) => sentTo(fp).length === 1), { timeoutMs: 20_000, message: 'not every alert was sent' });
    expect(hook.maxConcurrent).toBe(CONCURRENCY);
  });

  it('writes the answers Postgres could not take once it is back, and with one replica never sends them again, even past their lease', async () => {
    const release = hook.holdAnswers();
    const fps = [fingerprint(), fingerprint()];
    try {
      for (const fp of fps) await h.announce(alertNotify('firing', fp, 'critical'));
      // Both are on the wire: cut Postgres before the provider answers, so the answers cannot be written.
      await waitFor(() => hook.requests.length === 2, { timeoutMs: 10_000, message: 'the sends did not start' });
      await proxy.cut();
    } finally {
      release();
    }
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

  it('never lets a late answer overwrite a newer claim of its row nor announces it; the delivery goes out again, with the same idempotency key', async () => {
    const fp = fingerprint();
    await answersKeptThroughCut([fp]);
    // Meanwhile another replica, the lease over, claims the row again (as claimDue does: the attempt counted, a new token).
    const [claimed] = rowsOf<{ id: string; attempts: number }>(
      await db.query(
        `UPDATE ${deliveries()} SET attempts = attempts + 1, claim_token = gen_random_uuid(), next_attempt_at = $2, updated_at = $2
          WHERE fingerprint = $1 AND status = 'pending' RETURNING id, attempts`,
        [fp, new Date(clock.now().getTime() + 60_000)],
      ),
    );
    expect(claimed.attempts).toBe(2);
    hook.answerDelayMs = 0;
    await proxy.restore();
    await waitFor(() => !recorder().backedUp && recorder().unwritten === 0, {
      timeoutMs: 10_000,
      message: 'the kept answer was not written',
    });

    // Fenced out: the row stays the other replica's claim, nothing is announced.
    const rows = await db.query(`SELECT status, attempts, response_excerpt FROM ${deliveries()} WHERE id = $1`, [claimed.id]);
    expect(rows).toEqual([{ status: 'pending', attempts: 2, response_excerpt: null }]);

    // That replica died with its claim: past its lease this one sends again, under the same key.
    clock.offsetMs += 120_000;
    await waitFor(() => delivered.some((event) => event.data.deliveryId === claimed.id), {
      timeoutMs: 20_000,
      message: 'not sent again after the lease',
    });
    expect(delivered.filter((event) => event.data.deliveryId === claimed.id).map((event) => event.data.attempts)).toEqual([3]);
    expect(requestsFor(fp).map((request) => request.headers['idempotency-key'])).toEqual([claimed.id, claimed.id]);
    expect(await itemOf(fp)).toMatchObject({ status: 'sent', attempts: 3 });
  });

  it('writes the other answers of a micro-batch Postgres refuses, and the refused one without its excerpt; none is sent again', async () => {
    const [good, bad] = [fingerprint(), fingerprint()];
    hook.answers.set(bad, { status: 200, body: `poison ${bad}` });
    // A deterministic refusal of one answer's data, as Postgres gives for a NUL byte (SQLSTATE 22021).
    const refuse = `"${h.schema}".refuse_poison`;
    await db.query(`CREATE FUNCTION ${refuse}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.response_excerpt LIKE 'poison%' THEN RAISE EXCEPTION 'poisoned answer' USING ERRCODE = '22021'; END IF;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE TRIGGER refuse_poison BEFORE UPDATE ON ${deliveries()} FOR EACH ROW EXECUTE FUNCTION ${refuse}()`);
    try {
      // Both answers kept through the cut: written in one micro-batch once Postgres is back.
      await answersKeptThroughCut([good, bad]);
      await proxy.restore();
      await waitFor(async () => (await itemOf(good))?.status === 'sent' && (await itemOf(bad))?.status === 'sent', {
        timeoutMs: 20_000,
        message: 'the answers of the refused micro-batch were not written',
      });
      expect(await itemOf(good)).toMatchObject({ status: 'sent', attempts: 1, responseStatus: 200, responseExcerpt: '{"ok":true}' });
      expect(await itemOf(bad)).toMatchObject({ status: 'sent', attempts: 1, responseStatus: 200, responseExcerpt: null });
      clock.offsetMs += 10 * 60_000;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect([requestsFor(good).length, requestsFor(bad).length]).toEqual([1, 1]);
    } finally {
      await db.query(`DROP TRIGGER IF EXISTS refuse_poison ON ${deliveries()}`);
    }
  });

  it("stores a target's answer holding a NUL byte without it, instead of losing the answer and sending again", async () => {
    const fp = fingerprint();
    hook.answers.set(fp, { status: 200, body: 'accepted\u0000 queued' });
    await h.announce(alertNotify('firing', fp, 'critical'));
    await waitFor(async () => (await itemOf(fp))?.status === 'sent', { timeoutMs: 10_000, message: 'the answer was not written' });
    expect(await itemOf(fp)).toMatchObject({ status: 'sent', attempts: 1, responseExcerpt: 'accepted queued' });
    clock.offsetMs += 10 * 60_000;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(requestsFor(fp)).toHaveLength(1);
  });

  it('records and announces a refusal whose error text was cut inside a surrogate pair', async () => {
    const fp = fingerprint();
    // The webhook's error text keeps 200 units of the body: the cut falls between the halves of the emoji.
    hook.answers.set(fp, { status: 400, body: `${'x'.repeat(199)}😀 ${fp}` });
    await h.announce(alertNotify('firing', fp, 'critical'));
    await waitFor(async () => (await itemOf(fp))?.status === 'failed', { timeoutMs: 10_000, message: 'the refusal was not written' });
    const item = await itemOf(fp);
    expect(item).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 400, lastError: `HTTP 400: ${'x'.repeat(199)}` });
    await waitFor(() => failed.some((event) => event.data.deliveryId === item.id), { message: 'no notifications.failed' });
    expect(failed.find((event) => event.data.deliveryId === item.id)!.data.error).toBe(`HTTP 400: ${'x'.repeat(199)}`);
    expect(requestsFor(fp)).toHaveLength(1);
  });
});
