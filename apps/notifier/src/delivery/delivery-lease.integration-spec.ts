import { DataSource } from 'typeorm';
import { Clock, table } from '@firebreak/platform';
import { FakeWebhook, resolveDatabaseUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { notifierMetrics } from '../metrics';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';
import { ClaimLeases } from './claim-leases';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryOutcomesRepository } from './delivery-outcomes.repository';
import { ClaimedDelivery } from './delivery.types';

/** Real time plus an offset the test moves forward: a starved process, whose settle comes after its lease ran out. */
class MovableClock implements Pick<Clock, 'now'> {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const OPERATOR = 'operator-token-1';
/** Past any lease (two HTTP timeouts of 5 s + 30 s): what a process starved of CPU sees between a claim and its settle. */
const STARVED_MS = 10 * 60_000;

/**
 * A delivery on the wire whose answer comes (or is written) only after its lease ran out is sent once:
 * this replica never claims a delivery it still holds, and renews the lease of one held past half of it
 * so another replica does not claim it either.
 */
describe('notifier delivery leases under a starved process', () => {
  const hook = new FakeWebhook();
  const clock = new MovableClock();
  let h: NotifierHarness;
  let db: DataSource;

  beforeAll(async () => {
    await hook.start();
    const channels = `channels:
  - { name: hook, type: webhook, url: "${hook.url}/in", concurrency: 4, rateLimit: { perMinute: 60000, burst: 1000 }, fold: false }
routes:
  - { matchers: [], channels: [hook] }
`;
    h = new NotifierHarness(uniqueTestId('notifier_lease'), uniqueTestId('notifier_lease'), NotifierHarness.writeConfig(channels));
    const natsUrl = await h.useEnvironment({
      FIREBREAK_API_TOKENS: `${OPERATOR}:operator:otto`,
      FIREBREAK_NOTIFY_POLL_MS: '50',
      FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS: '5000',
      LOG_LEVEL: 'silent',
    });
    await h.start(AppModule, natsUrl, { clock });
    db = h.app.get(DataSource);
  });

  afterAll(async () => {
    await h?.stop(await resolveDatabaseUrl());
    await hook.stop();
  });

  beforeEach(() => hook.reset());

  const requestsFor = (fp: string) => hook.requests.filter((request) => request.rawBody.includes(fp));
  const itemOf = async (fp: string) => (await h.history(`fingerprint=${fp}`, OPERATOR)).items[0];
  /** Enough polls (50 ms) for the channel's loop to claim anything it can. */
  const severalPolls = () => new Promise((resolve) => setTimeout(resolve, 1_000));

  /** Announces an alert and waits until its delivery is on the wire, its answer held by the provider. */
  async function onTheWire(fp: string): Promise<() => void> {
    const release = hook.holdAnswers();
    await h.announce(alertNotify('firing', fp, 'critical'));
    await waitFor(() => requestsFor(fp).length === 1, { timeoutMs: 10_000, message: 'the send did not start' });
    return release;
  }

  async function sentOnce(fp: string): Promise<void> {
    await waitFor(async () => (await itemOf(fp))?.status === 'sent', { timeoutMs: 10_000, message: 'the answer was not written' });
    expect(await itemOf(fp)).toMatchObject({ status: 'sent', attempts: 1 });
    // Past every lease again: a delivery whose answer had been lost would go out again now.
    clock.offsetMs += STARVED_MS;
    await severalPolls();
    expect(requestsFor(fp)).toHaveLength(1);
  }

  it('never claims again a delivery of its own still on the wire, however far past its lease', async () => {
    // Without renewals: this is the replica's own guard, which a renewal ticking meanwhile would otherwise stand in for.
    const renewals = jest.spyOn(h.app.get(ClaimLeases), 'renew').mockResolvedValue(0);
    const fp = fingerprint();
    const release = await onTheWire(fp);
    try {
      clock.offsetMs += STARVED_MS;
      await severalPolls();
      expect(requestsFor(fp)).toHaveLength(1);
    } finally {
      release();
      renewals.mockRestore();
    }
    await sentOnce(fp);
  });

  it('renews the lease of a delivery on the wire past half its lease, so another replica does not claim it', async () => {
    const fp = fingerprint();
    const release = await onTheWire(fp);
    try {
      clock.offsetMs += STARVED_MS;
      expect(await h.app.get(ClaimLeases).renew()).toBe(1);
      // Another replica's claim round, at the same (late) time.
      const repo = h.app.get(DeliveriesRepository);
      const now = clock.now();
      const taken = await db.transaction((m) => repo.claimDue(m, 'hook', 10, now, new Date(now.getTime() + 60_000)));
      expect(taken.map((d) => d.id)).toEqual([]);
    } finally {
      release();
    }
    await sentOnce(fp);
  });

  /**
   * Announces an alert whose first claim the process "stalls" on: between the commit of the claim and its send the
   * clock jumps past the lease, and nothing is renewed (a stalled process renews nothing).
   */
  async function stallAfterClaim(fp: string): Promise<{ lapsed: () => Promise<number>; restore: () => void }> {
    const leases = h.app.get(ClaimLeases);
    const renewals = jest.spyOn(leases, 'renew').mockResolvedValue(0);
    const hold = leases.hold.bind(leases);
    let stalled = false;
    const holds = jest.spyOn(leases, 'hold').mockImplementation((channel, claimed, leaseUntil) => {
      hold(channel, claimed, leaseUntil);
      if (!stalled && claimed.some((delivery) => delivery.fingerprint === fp)) {
        stalled = true;
        clock.offsetMs += STARVED_MS;
      }
    });
    const count = async () => (await notifierMetrics.skipped.get()).values.find((v) => v.labels.reason === 'lease_over')?.value ?? 0;
    const before = await count();
    await h.announce(alertNotify('firing', fp, 'critical'));
    return {
      lapsed: async () => (await count()) - before,
      restore: () => {
        holds.mockRestore();
        renewals.mockRestore();
      },
    };
  }

  it('sends a claim it wakes up to past its lease once, leased anew by its token, when no other replica took it', async () => {
    const fp = fingerprint();
    const release = hook.holdAnswers();
    const stall = await stallAfterClaim(fp);
    try {
      await waitFor(() => requestsFor(fp).length === 1, { timeoutMs: 10_000, message: 'the send did not start' });
      // Another replica's claim round, at the same (late) time: what is on the wire is under a live lease.
      const repo = h.app.get(DeliveriesRepository);
      const now = clock.now();
      const taken = await db.transaction((m) => repo.claimDue(m, 'hook', 10, now, new Date(now.getTime() + 60_000)));
      expect(taken.map((d) => d.id)).toEqual([]);
      expect(await stall.lapsed()).toBe(0);
    } finally {
      release();
      stall.restore();
    }
    // One claim, one send: nothing spent on the stall.
    await sentOnce(fp);
  });

  it('does not send a claim it wakes up to past its lease when another replica claimed it meanwhile (that one sends it)', async () => {
    const fp = fingerprint();
    const leases = h.app.get(ClaimLeases);
    const repo = h.app.get(DeliveriesRepository);
    // While this replica was stalled, another one claimed the delivery (a new token, a lease of its own).
    const renewForSend = leases.renewForSend.bind(leases);
    const otherClaim: string[] = [];
    const renewing = jest.spyOn(leases, 'renewForSend').mockImplementation(async (channel, id, claimToken) => {
      const now = clock.now();
      const taken = await db.transaction((m) => repo.claimDue(m, channel, 10, now, new Date(now.getTime() + 60_000)));
      otherClaim.push(...taken.map((d) => d.id));
      return renewForSend(channel, id, claimToken);
    });
    const stall = await stallAfterClaim(fp);
    try {
      await waitFor(async () => (await stall.lapsed()) === 1, { timeoutMs: 10_000, message: 'the lapsed claim was not seen' });
      const [id] = otherClaim;
      expect((await itemOf(fp))?.id).toBe(id);
      await severalPolls();
      // This replica sent nothing; the other replica's claim stands, its lease running.
      expect(requestsFor(fp)).toHaveLength(0);
      const [row] = await db.query(`SELECT status, attempts FROM ${table(h.schema, 'deliveries')} WHERE id = $1`, [id]);
      expect(row).toEqual({ status: 'pending', attempts: 2 });
    } finally {
      renewing.mockRestore();
      stall.restore();
    }
  });

  /**
   * A delivery claimed and held by this replica, alone in a channel no loop serves: only the test claims and settles
   * it, and no other test's row is claimed in its place.
   */
  async function heldElsewhere(): Promise<{ channel: string; id: string; claimed: ClaimedDelivery; at: Date }> {
    const channel = `elsewhere-${fingerprint()}`;
    const repo = h.app.get(DeliveriesRepository);
    const leases = h.app.get(ClaimLeases);
    const at = clock.now();
    const [id] = await db.transaction((m) =>
      repo.insert(
        m,
        [
          {
            id: `lease-${fingerprint()}`,
            announcementId: fingerprint(),
            announcementSubject: 'alerts.notify',
            channel,
            channelType: 'webhook',
            target: 'default',
            kind: 'firing',
            severity: 'critical',
            fingerprint: fingerprint(),
            title: 'lease',
            content: { kind: 'firing' } as never,
            status: 'pending',
            receivedAt: at,
            orderedAt: at,
          },
        ],
        at,
      ),
    );
    const [claimed] = await db.transaction((m) => repo.claimDue(m, channel, 1, at, leases.leaseUntil(at)));
    leases.hold(channel, [claimed], leases.leaseUntil(at));
    return { channel, id, claimed, at };
  }

  it('leaves a retry its backoff: a renewal racing the answer that asked for it changes nothing', async () => {
    const leases = h.app.get(ClaimLeases);
    const { channel, id, claimed, at } = await heldElsewhere();
    try {
      // The answer (a retry in a minute) is written while the renewal is on its way: it still counts the claim as held.
      const retryAt = new Date(at.getTime() + 60_000);
      const written = await db.transaction((m) =>
        h.app.get(DeliveryOutcomesRepository).applyOutcomes(
          m,
          [
            {
              id,
              claimToken: claimed.claimToken,
              attempts: claimed.attempts,
              status: 'pending',
              nextAttemptAt: retryAt,
              lastError: 'HTTP 503',
            },
          ],
          at,
        ),
      );
      expect([...written]).toEqual([id]);
      clock.offsetMs += STARVED_MS;
      expect(await leases.renew()).toBe(0);
      const [row] = await db.query(`SELECT next_attempt_at FROM ${table(h.schema, 'deliveries')} WHERE id = $1`, [id]);
      expect(row.next_attempt_at).toEqual(retryAt);
    } finally {
      leases.release(channel, id, claimed.claimToken);
    }
  });

  it('a renewal before a send waits for the row the periodic renewal has locked, then renews it (skipping it skipped the send)', async () => {
    const leases = h.app.get(ClaimLeases);
    const { channel, id, claimed } = await heldElsewhere();
    const deliveries = table(h.schema, 'deliveries');
    const periodic = db.createQueryRunner();
    await periodic.connect();
    try {
      await periodic.startTransaction();
      await periodic.query(`SELECT 1 FROM ${deliveries} WHERE id = $1 FOR UPDATE`, [id]);
      const renewing = leases.renewForSend(channel, id, claimed.claimToken);
      await waitFor(
        async () =>
          (await db.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE ${deliveries} SET%'`))
            .length === 1,
        { message: 'the renewal to wait for the row' },
      );
      await periodic.commitTransaction();
      expect(await renewing).toBe(true);
      expect(leases.coversSend(channel, id, claimed.claimToken, clock.now())).toBe(true);
    } finally {
      await periodic.release();
      leases.release(channel, id, claimed.claimToken);
    }
  });
});
