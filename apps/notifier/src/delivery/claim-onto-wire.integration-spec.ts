import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { table } from '@firebreak/platform';
import { resolveDatabaseUrl, uniqueTestId } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryOutcomesRepository } from './delivery-outcomes.repository';
import { NewDelivery } from './delivery.types';

/**
 * A round's claim in one statement (claimOntoWire): what claimDue, putOnWire and the bucket's write did in three. A
 * row older than what its order key already has on the wire is skipped, never sent; the others set their key's mark,
 * so an older row recorded later is skipped in turn; the bucket is written less what goes out. The channel is one no
 * loop of the app serves, so only the test claims.
 */
describe('notifier delivery: a claim put on the wire in one statement', () => {
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
    h = new NotifierHarness(uniqueTestId('notifier_wire'), uniqueTestId('notifier_wire'), NotifierHarness.writeConfig(channels));
    await h.start(AppModule, await h.useEnvironment({ LOG_LEVEL: 'silent' }));
    db = h.app.get(DataSource);
    repo = h.app.get(DeliveriesRepository);
    outcomes = h.app.get(DeliveryOutcomesRepository);
  });

  afterAll(async () => {
    await h?.stop(await resolveDatabaseUrl());
  });

  const base = Date.now() - 3_600_000;
  const row = (channel: string, fp: string | undefined, atMs: number, kind: 'firing' | 'resolved' = 'firing'): NewDelivery => ({
    id: randomUUID(),
    announcementId: randomUUID(),
    announcementSubject: 'alerts.notify',
    channel,
    channelType: 'webhook',
    target: 'default',
    kind,
    severity: 'critical',
    ...(fp ? { fingerprint: fp } : {}),
    title: 'wire',
    content: { kind } as never,
    status: 'pending',
    receivedAt: new Date(base + atMs),
    orderedAt: new Date(base + atMs),
  });
  const insert = (rows: NewDelivery[]) => db.transaction((m) => repo.insert(m, rows, new Date(base)));
  const claim = (channel: string, tokens: number) =>
    db.transaction((m) =>
      repo.claimOntoWire(m, channel, 10, new Date(), new Date(Date.now() + 60_000), { tokens, refilledAt: new Date(base) }),
    );
  const rowOf = async (id: string) =>
    (await db.query(`SELECT status, attempts, last_error FROM ${table(h.schema, 'deliveries')} WHERE id = $1`, [id]))[0];
  const tokensOf = async (channel: string) =>
    Number((await db.query(`SELECT tokens FROM ${table(h.schema, 'rate_buckets')} WHERE channel = $1`, [channel]))[0].tokens);

  it('skips what a newer announcement already overtook, marks what goes out, and spends the bucket on what goes out only', async () => {
    const channel = `wire-${randomUUID()}`;
    await db.query(`INSERT INTO ${table(h.schema, 'rate_buckets')} (channel, tokens, refilled_at) VALUES ($1, 10, $2)`, [
      channel,
      new Date(base),
    ]);
    const [overtaken, firing] = [fingerprint(), fingerprint()];
    // The overtaken alert's resolve (announced at 5 s) is already on the wire to this target.
    await db.transaction((m) =>
      repo.putOnWire(
        m,
        channel,
        [{ id: randomUUID(), target: 'default', orderKey: overtaken, orderedAt: new Date(base + 5_000) } as never],
        new Date(),
      ),
    );
    const [late, fresh, unkeyed] = [row(channel, overtaken, 1_000), row(channel, firing, 2_000), row(channel, undefined, 3_000)];
    await insert([late, fresh, unkeyed]);

    const first = await claim(channel, 10);
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
    const older = row(channel, firing, 1_500);
    await insert([older]);
    expect(await claim(channel, 8)).toEqual({ deliveries: [], superseded: 1 });
    expect(await rowOf(older.id)).toMatchObject({ status: 'skipped', attempts: 0 });
    expect(await tokensOf(channel)).toBe(8);
  });
});
