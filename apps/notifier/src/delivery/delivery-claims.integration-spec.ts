import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { table } from '@firebreak/platform';
import { resolveDatabaseUrl, uniqueTestId } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryOutcomesRepository } from './delivery-outcomes.repository';
import { ClaimedDelivery, NewDelivery } from './delivery.types';

/**
 * The claim read through its indexes (each due row kept only if it heads its queue): per-key order,
 * no delivery taken by two claimers at once, and a claim whose lease ran out taken again. Every
 * channel here is one no loop of the app serves, so only the test claims.
 */
describe('notifier delivery claims', () => {
  let h: NotifierHarness;
  let db: DataSource;
  let repo: DeliveriesRepository;
  let outcomes: DeliveryOutcomesRepository;

  beforeAll(async () => {
    const channels = `channels:
  - { name: unused, type: webhook, url: "http://127.0.0.1:9/hook" }
routes:
  - { matchers: [], channels: [unused] }
`;
    h = new NotifierHarness(uniqueTestId('notifier_claims'), uniqueTestId('notifier_claims'), NotifierHarness.writeConfig(channels));
    await h.start(AppModule, await h.useEnvironment({ LOG_LEVEL: 'silent' }));
    db = h.app.get(DataSource);
    repo = h.app.get(DeliveriesRepository);
    outcomes = h.app.get(DeliveryOutcomesRepository);
  });

  afterAll(async () => {
    await h?.stop(await resolveDatabaseUrl());
  });

  const base = Date.now() - 3_600_000;
  const row = (channel: string, fields: { fp?: string; target?: string; at: number; kind?: 'firing' | 'resolved' }): NewDelivery => ({
    id: randomUUID(),
    announcementId: randomUUID(),
    announcementSubject: 'alerts.notify',
    channel,
    channelType: 'webhook',
    target: fields.target ?? 'default',
    kind: fields.kind ?? 'firing',
    severity: 'critical',
    ...(fields.fp ? { fingerprint: fields.fp } : {}),
    title: 'claims',
    content: { kind: fields.kind ?? 'firing' } as never,
    status: 'pending',
    receivedAt: new Date(base + fields.at),
    orderedAt: new Date(base + fields.at),
  });
  /** `dueAfterMs`: when after the others the rows come due (due order decides which heads a short claim takes). */
  const insert = (rows: NewDelivery[], dueAfterMs = 0) => db.transaction((m) => repo.insert(m, rows, new Date(base + dueAfterMs)));
  const claim = (channel: string, limit: number, now = new Date(), leaseMs = 60_000) =>
    db.transaction((m) => repo.claimDue(m, channel, limit, now, new Date(now.getTime() + leaseMs)));
  const settle = (claimed: ClaimedDelivery[]) =>
    db.transaction((m) =>
      outcomes.applyOutcomes(
        m,
        claimed.map((d) => ({ id: d.id, claimToken: d.claimToken, attempts: d.attempts, status: 'sent' as const, sentAt: new Date() })),
        new Date(),
      ),
    );
  const queueOf = (d: { target: string; fingerprint?: string | null }) => `${d.target}|${d.fingerprint}`;

  it('puts one delivery per queue on the wire at a time, each queue in announcement order, however claims are sized and answers come', async () => {
    const channel = `order-${randomUUID()}`;
    const rows: NewDelivery[] = [];
    // 40 alerts, each firing, repeated and resolved, to two targets (two queues per alert); half the
    // alerts' rows are inserted newest first, so insertion order (seq) is not announcement order.
    for (let alert = 0; alert < 40; alert++) {
      const fp = fingerprint();
      const own = [0, 1, 2].flatMap((step) =>
        ['a', 'b'].map((target) => row(channel, { fp, target, at: alert * 10 + step, kind: step === 2 ? 'resolved' : 'firing' })),
      );
      rows.push(...(alert % 2 === 0 ? own.reverse() : own));
    }
    await insert(rows);
    const expected = new Map<string, string[]>();
    for (const r of [...rows].sort((x, y) => x.orderedAt.getTime() - y.orderedAt.getTime()))
      expected.set(queueOf(r), [...(expected.get(queueOf(r)) ?? []), r.id]);

    const sentOrder = new Map<string, string[]>();
    let onWire: ClaimedDelivery[] = [];
    for (let round = 0; round < 1_000; round++) {
      const claimed = await claim(channel, 1 + (round % 7));
      for (const d of claimed) {
        // Nothing of its queue is on the wire, and it is the oldest of its queue not yet sent.
        expect(onWire.filter((w) => queueOf(w) === queueOf(d))).toEqual([]);
        const queue = expected.get(queueOf(d))!;
        expect(d.id).toBe(queue[(sentOrder.get(queueOf(d)) ?? []).length]);
      }
      onWire.push(...claimed);
      // Some answers come only rounds later, while other claims go on.
      const answered = onWire.filter((_, index) => (index + round) % 3 !== 0);
      await settle(answered);
      for (const d of answered) sentOrder.set(queueOf(d), [...(sentOrder.get(queueOf(d)) ?? []), d.id]);
      onWire = onWire.filter((d) => !answered.includes(d));
      if (claimed.length === 0 && onWire.length === 0) break;
    }
    expect(new Map([...sentOrder].sort())).toEqual(new Map([...expected].sort()));
  });

  it('never hands one delivery to two replicas claiming at the same time', async () => {
    const channel = `replicas-${randomUUID()}`;
    const rows: NewDelivery[] = [];
    for (let alert = 0; alert < 150; alert++) {
      const fp = fingerprint();
      rows.push(row(channel, { fp, at: alert }), ...(alert % 3 === 0 ? [row(channel, { fp, at: alert + 1, kind: 'resolved' })] : []));
    }
    await insert(rows);
    const taken = new Map<string, number>();
    // Four claimers, each its own connection and transactions, as replicas are; each answers what it took.
    const replica = async () => {
      for (let idle = 0; idle < 3;) {
        const claimed = await claim(channel, 5);
        if (claimed.length === 0) {
          idle++;
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        idle = 0;
        for (const d of claimed) taken.set(d.id, (taken.get(d.id) ?? 0) + 1);
        expect([...(await settle(claimed))].sort()).toEqual(claimed.map((d) => d.id).sort());
      }
    };
    await Promise.all([replica(), replica(), replica(), replica()]);
    expect([...taken.values()].filter((n) => n !== 1)).toEqual([]);
    expect(taken.size).toBe(rows.length);
    const [{ pending }] = await db.query(
      `SELECT count(*)::int AS pending FROM ${table(h.schema, 'deliveries')} WHERE channel = $1 AND status <> 'sent'`,
      [channel],
    );
    expect(pending).toBe(0);
  });

  it('skips what another claim holds locked, and what waits behind it, until that claim commits', async () => {
    const channel = `locked-${randomUUID()}`;
    const fp = fingerprint();
    const [first, second, other] = [
      row(channel, { fp, at: 0 }),
      row(channel, { fp, at: 1, kind: 'resolved' }),
      row(channel, { fp: fingerprint(), at: 2 }),
    ];
    await insert([first, second]);
    await insert([other], 1);
    const runner = db.createQueryRunner();
    await runner.startTransaction();
    try {
      const now = new Date();
      const held = await repo.claimDue(runner.manager, channel, 1, now, new Date(now.getTime() + 60_000));
      expect(held.map((d) => d.id)).toEqual([first.id]);
      // The first claim has not committed: its row is locked and still looks due; the resolve behind it is no head.
      expect((await claim(channel, 10)).map((d) => d.id)).toEqual([other.id]);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect(await claim(channel, 10)).toEqual([]);
  });

  it('claims again, under a new token, a delivery whose lease ran out, and keeps its queue waiting for it', async () => {
    const channel = `lease-${randomUUID()}`;
    const fp = fingerprint();
    const [trigger, resolve] = [row(channel, { fp, at: 0 }), row(channel, { fp, at: 1, kind: 'resolved' })];
    const later = Array.from({ length: 5 }, (_, i) => row(channel, { fp: fingerprint(), at: 10 + i }));
    await insert([resolve, trigger]);
    const now = Date.now();
    // The replica that claimed the trigger dies: no answer ever comes.
    const [lost] = await claim(channel, 1, new Date(now), 1_000);
    expect(lost).toMatchObject({ id: trigger.id, attempts: 1 });
    await insert(later);
    expect((await claim(channel, 10, new Date(now + 500), 60_000)).map((d) => d.id).sort()).toEqual(later.map((r) => r.id).sort());
    // Its lease over, the trigger is due again: taken first, under a new token; the resolve still waits.
    const again = await claim(channel, 1, new Date(now + 2_000), 60_000);
    expect(again).toMatchObject([{ id: trigger.id, attempts: 2 }]);
    expect(again[0].claimToken).not.toBe(lost.claimToken);
    expect(await claim(channel, 10, new Date(now + 2_000))).toEqual([]);
    // The dead claim's answer is fenced out; the new one's goes through and lets the resolve go.
    expect([...(await settle([lost]))]).toEqual([]);
    expect([...(await settle(again))]).toEqual([trigger.id]);
    expect((await claim(channel, 10, new Date(now + 2_000))).map((d) => d.id)).toEqual([resolve.id]);
  });

  /** A round's claim in one statement (claimOntoWire), with `tokens` in the channel's bucket. */
  const claimOntoWire = (channel: string, tokens: number) =>
    db.transaction((m) =>
      repo.claimOntoWire(m, channel, 10, new Date(), new Date(Date.now() + 60_000), { tokens, refilledAt: new Date(base) }),
    );
  const rowOf = async (id: string) =>
    (await db.query(`SELECT status, attempts, last_error FROM ${table(h.schema, 'deliveries')} WHERE id = $1`, [id]))[0];
  const tokensOf = async (channel: string) =>
    Number((await db.query(`SELECT tokens FROM ${table(h.schema, 'rate_buckets')} WHERE channel = $1`, [channel]))[0].tokens);

  /**
   * A round's claim in one statement (claimOntoWire): what a claim, the superseded check with the order marks, and the bucket's write did in three. A
   * row older than what its order key already has on the wire is skipped, never sent; the others set their key's mark,
   * so an older row recorded later is skipped in turn; the bucket is written less what goes out.
   */
  it('skips what a newer announcement already overtook, marks what goes out, and spends the bucket on what goes out only', async () => {
    const channel = `wire-${randomUUID()}`;
    await db.query(`INSERT INTO ${table(h.schema, 'rate_buckets')} (channel, tokens, refilled_at) VALUES ($1, 10, $2)`, [
      channel,
      new Date(base),
    ]);
    const [overtaken, firing] = [fingerprint(), fingerprint()];
    // The overtaken alert's resolve (announced at 5 s) is already on the wire to this target.
    await db.query(
      `INSERT INTO ${table(h.schema, 'alert_marks')} (channel, target, fingerprint, sent_ordered_at, updated_at) VALUES ($1, 'default', $2, $3, now())`,
      [channel, overtaken, new Date(base + 5_000)],
    );
    const [late, fresh, unkeyed] = [
      row(channel, { fp: overtaken, at: 1_000 }),
      row(channel, { fp: firing, at: 2_000 }),
      row(channel, { at: 3_000 }),
    ];
    await insert([late, fresh, unkeyed]);

    const first = await claimOntoWire(channel, 10);
    expect(first.deliveries.map((d) => d.id)).toEqual([fresh.id, unkeyed.id]);
    expect(first.superseded).toBe(1);
    expect(await rowOf(late.id)).toEqual({ status: 'skipped', attempts: 0, last_error: expect.stringContaining('superseded') });
    expect(await rowOf(fresh.id)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await tokensOf(channel)).toBe(8);

    // The firing alert's message went out (answered): a trigger of it announced earlier, recorded only now, is skipped.
    await db.transaction((m) =>
      outcomes.applyOutcomes(
        m,
        first.deliveries.map((d) => ({
          id: d.id,
          claimToken: d.claimToken,
          attempts: d.attempts,
          status: 'sent' as const,
          sentAt: new Date(),
        })),
        new Date(),
      ),
    );
    const older = row(channel, { fp: firing, at: 1_500 });
    await insert([older]);
    expect(await claimOntoWire(channel, 8)).toEqual({ deliveries: [], superseded: 1 });
    expect(await rowOf(older.id)).toMatchObject({ status: 'skipped', attempts: 0 });
    expect(await tokensOf(channel)).toBe(8);
  });
});
