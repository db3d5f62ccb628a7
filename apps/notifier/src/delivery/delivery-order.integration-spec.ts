import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock, table } from '@firebreak/platform';
import { FakePagerDuty, resolveDatabaseUrl, resolveNatsUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { analysisKey } from '../intake/analysis-follow-ups';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryOutcomesRepository } from './delivery-outcomes.repository';
import { NewDelivery } from './delivery.types';

/** Real time plus an offset the test moves forward, so a retry's backoff costs no wait. */
class MovableClock implements Pick<Clock, 'now'> {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const clock = new MovableClock();
const OPERATOR = 'operator-token-1';

describe('notifier delivery: order by construction, and claims fenced by their token', () => {
  const pagerduty = new FakePagerDuty();
  let h: NotifierHarness;

  beforeAll(async () => {
    await pagerduty.start();
    const channels = `channels:
  - { name: pd, type: pagerduty, routingKey: "${'P'.repeat(32)}", rateLimit: { perMinute: 6000, burst: 200 } }
routes:
  - { matchers: ['to="pd"'], channels: [pd] }
`;
    h = new NotifierHarness(uniqueTestId('notifier_order'), uniqueTestId('notifier_order'), NotifierHarness.writeConfig(channels));
    Object.assign(process.env, {
      NATS_URL: await resolveNatsUrl(),
      DATABASE_URL: await resolveDatabaseUrl(),
      FIREBREAK_SUBJECT_PREFIX: h.prefix,
      FIREBREAK_DB_SCHEMA: h.schema,
      FIREBREAK_CONFIG_DIR: h.configDir,
      FIREBREAK_API_TOKENS: `${OPERATOR}:operator:otto`,
      FIREBREAK_NOTIFY_POLL_MS: '50',
      // A retry waits a minute of the movable clock: the test decides when it happens.
      FIREBREAK_NOTIFY_RETRY_BASE_MS: '60000',
      FIREBREAK_NOTIFY_MAX_ATTEMPTS: '3',
      LOG_LEVEL: 'silent',
      PAGERDUTY_EVENTS_URL: pagerduty.eventsUrl,
    });
    await h.start(AppModule, process.env.NATS_URL!, { clock });
  });

  afterAll(async () => {
    await h?.stop(await resolveDatabaseUrl());
    await pagerduty.stop();
  });

  beforeEach(() => pagerduty.reset());

  const itemsOf = async (fp: string) => (await h.history(`fingerprint=${fp}`, OPERATOR)).items;

  it('skips a trigger recorded after its resolve went on the wire, even while that resolve still waits to be retried', async () => {
    const fp = fingerprint();
    const now = Date.now();
    pagerduty.failNext(1, { status: 503 });
    // The resolve's row exists and is claimed before its trigger's row does (as when two intake
    // batches committed out of order, or the trigger came through another replica).
    await h.announce(alertNotify('resolved', fp, 'critical', { to: 'pd' }), { time: new Date(now) });
    await waitFor(async () => pagerduty.requests.length === 1 && Boolean((await itemsOf(fp))[0]?.lastError), {
      message: 'the resolve was not tried',
    });
    await h.announce(alertNotify('firing', fp, 'critical', { to: 'pd' }), { time: new Date(now - 1_000) });
    await waitFor(async () => (await itemsOf(fp)).some((item) => item.kind === 'firing' && item.status === 'skipped'), {
      message: 'the late trigger was not skipped',
    });
    // The resolve's retry comes due.
    clock.offsetMs += 5 * 60_000;
    await waitFor(async () => (await itemsOf(fp)).some((item) => item.kind === 'resolved' && item.status === 'sent'), {
      timeoutMs: 20_000,
      message: 'the resolve was not sent on retry',
    });
    expect(pagerduty.requests.map((r) => [r.status, (r.body as { event_action: string }).event_action])).toEqual([
      [503, 'resolve'],
      [202, 'resolve'],
    ]);
    expect((await itemsOf(fp)).find((item) => item.kind === 'firing')).toMatchObject({
      status: 'skipped',
      lastError: 'superseded: a newer announcement about this alert was already sent',
    });
    expect(pagerduty.incidents().has(fp)).toBe(false);
  });

  it('never writes the late answer of a claim made before an operator retried the delivery', async () => {
    const repo = h.app.get(DeliveriesRepository);
    const outcomes = h.app.get(DeliveryOutcomesRepository);
    const db = h.app.get(DataSource);
    // A channel no loop of this replica serves, so only the test claims its row.
    const id = randomUUID();
    const at = new Date(clock.now().getTime() - 1_000);
    await db.transaction((manager) =>
      repo.insert(
        manager,
        [
          {
            id,
            announcementId: randomUUID(),
            announcementSubject: 'alerts.notify',
            channel: 'elsewhere',
            channelType: 'webhook',
            target: 'default',
            kind: 'firing',
            severity: 'critical',
            fingerprint: fingerprint(),
            title: 'late answers',
            content: { kind: 'firing' } as never,
            status: 'pending',
            receivedAt: at,
            orderedAt: at,
          },
        ],
        at,
      ),
    );
    const claim = (now: Date) => db.transaction((manager) => repo.claimDue(manager, 'elsewhere', 1, now, new Date(now.getTime() + 1_000)));
    const answer = ({ claimToken, attempts }: { claimToken: string; attempts: number }) =>
      db.transaction((manager) =>
        outcomes.applyOutcomes(
          manager,
          [{ id, claimToken, attempts, status: 'sent', sentAt: clock.now(), responseStatus: 200 }],
          clock.now(),
        ),
      );

    // The first claim's answer is held up; its lease runs out, another claim fails the delivery for good.
    const [first] = await claim(clock.now());
    expect(first.attempts).toBe(1);
    const [second] = await claim(new Date(clock.now().getTime() + 2_000));
    expect(second.attempts).toBe(2);
    await db.transaction((manager) =>
      outcomes.applyOutcomes(
        manager,
        [{ id, claimToken: second.claimToken, attempts: second.attempts, status: 'failed', lastError: 'HTTP 400', responseStatus: 400 }],
        clock.now(),
      ),
    );

    // An operator retries it: attempts start again from 0, so the next claim is attempt 1 again, like the first.
    const retried = await h.inject({ method: 'POST', url: `/api/v1/notifications/${id}/retry`, token: OPERATOR });
    expect(retried.statusCode).toBe(200);
    const [third] = await claim(new Date(clock.now().getTime() + 3_000));
    expect(third.attempts).toBe(first.attempts);
    expect(third.claimToken).not.toBe(first.claimToken);

    expect([...(await answer(first))]).toEqual([]);
    const [row] = await db.query(
      `SELECT status, attempts, claim_token, response_status FROM ${table(h.schema, 'deliveries')} WHERE id = $1`,
      [id],
    );
    // Still the failure's answer (400), not the late one's 200.
    expect(row).toEqual({ status: 'pending', attempts: 1, claim_token: third.claimToken, response_status: 400 });
    expect([...(await answer(third))]).toEqual([id]);
  });
  it('answers an operator retry of a delivery a newer announcement superseded with 409 superseded, and leaves it failed', async () => {
    const repo = h.app.get(DeliveriesRepository);
    const db = h.app.get(DataSource);
    const id = randomUUID();
    const fp = fingerprint();
    const at = new Date(clock.now().getTime() - 10_000);
    await db.transaction(async (manager) => {
      await repo.insert(
        manager,
        [
          {
            id,
            announcementId: randomUUID(),
            announcementSubject: 'alerts.notify',
            channel: 'elsewhere',
            channelType: 'webhook',
            target: 'default',
            kind: 'firing',
            severity: 'critical',
            fingerprint: fp,
            title: 'superseded retry',
            content: { kind: 'firing' } as never,
            status: 'pending',
            receivedAt: at,
            orderedAt: at,
          },
        ],
        at,
      );
      await manager.query(`UPDATE ${table(h.schema, 'deliveries')} SET status = 'failed' WHERE id = $1`, [id]);
      // The alert's resolve, announced after it, is already on the wire to the same target.
      await manager.query(
        `INSERT INTO ${table(h.schema, 'alert_marks')} (channel, target, fingerprint, sent_ordered_at, updated_at) VALUES ('elsewhere', 'default', $1, $2, $3)`,
        [fp, new Date(at.getTime() + 1_000), at],
      );
    });

    const retried = await h.inject({ method: 'POST', url: `/api/v1/notifications/${id}/retry`, token: OPERATOR });
    expect(retried.statusCode).toBe(409);
    expect(retried.json().error).toMatchObject({ code: 'superseded', message: expect.stringContaining('superseded') });
    const [row] = await db.query(`SELECT status FROM ${table(h.schema, 'deliveries')} WHERE id = $1`, [id]);
    expect(row).toEqual({ status: 'failed' });
  });

  it('claims a follow-up only once the delivery it follows is no longer pending, after the channel’s other messages, and not while folding', async () => {
    const repo = h.app.get(DeliveriesRepository);
    const db = h.app.get(DataSource);
    const channel = 'followups';
    const at = new Date(clock.now().getTime() - 1_000);
    const row = (fields: { id: string; fp: string; followUpOf?: string }): NewDelivery => ({
      id: fields.id,
      announcementId: randomUUID(),
      announcementSubject: fields.followUpOf ? 'alerts.analysis' : 'alerts.notify',
      channel,
      channelType: 'telegram',
      target: '-1001',
      kind: fields.followUpOf ? 'message' : 'firing',
      severity: 'critical',
      fingerprint: fields.fp,
      title: 't',
      content: (fields.followUpOf ? { kind: 'message', followUpOf: fields.followUpOf } : { kind: 'firing' }) as never,
      status: 'pending',
      receivedAt: at,
      orderedAt: at,
      ...(fields.followUpOf ? { orderKey: analysisKey(fields.fp) } : {}),
    });
    const [a, b] = [fingerprint(), fingerprint()];
    const [firingA, followUpA, firingB] = [randomUUID(), randomUUID(), randomUUID()];
    // The follow-up is recorded before the firing message of another alert (a lower seq).
    await db.transaction((m) => repo.insert(m, [row({ id: firingA, fp: a }), row({ id: followUpA, fp: a, followUpOf: firingA })], at));
    await db.transaction((m) => repo.insert(m, [row({ id: firingB, fp: b })], at));
    const claim = (limit: number, followUps = true) =>
      db.transaction(async (m) =>
        (await repo.claimDue(m, channel, limit, clock.now(), new Date(clock.now().getTime() + 60_000), { followUps })).map((d) => d.id),
      );

    // A's firing message is pending (claimed, on the wire): its follow-up waits; the firing messages go.
    expect((await claim(10)).sort()).toEqual([firingA, firingB].sort());
    expect(await claim(10)).toEqual([]);
    await db.query(`UPDATE ${table(h.schema, 'deliveries')} SET status = 'sent' WHERE id = $1`, [firingA]);
    // A folding channel keeps its follow-ups back; otherwise the follow-up goes once what it follows is sent.
    expect(await claim(10, false)).toEqual([]);
    expect(await claim(10)).toEqual([followUpA]);

    // With one slot, an alert's firing message goes before a follow-up recorded earlier.
    const [c, followUpC, firingD] = [fingerprint(), randomUUID(), randomUUID()];
    await db.transaction((m) => repo.insert(m, [row({ id: followUpC, fp: c, followUpOf: firingA })], at));
    await db.transaction((m) => repo.insert(m, [row({ id: firingD, fp: fingerprint() })], at));
    expect(await claim(1)).toEqual([firingD]);
    expect(await claim(1)).toEqual([followUpC]);
  });
});
