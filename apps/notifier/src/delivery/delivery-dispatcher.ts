import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Clock, CLOCK, CONFIG, LOGGER } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { notifierMetrics } from '../metrics';
import { ProviderRegistry } from '../providers/provider-registry';
import { SendOutcome } from '../providers/provider';
import { NotifierConfig } from '../service';
import { BacklogFolder } from './backlog-folder';
import { ClaimLeases } from './claim-leases';
import { DeliveriesRepository } from './deliveries.repository';
import { ClaimedDelivery } from './delivery.types';
import { Attempt, OutcomeRecorder } from './outcome-recorder';
import { RateBucketsRepository } from './rate-buckets.repository';
import { available, msUntilToken, refill, spend } from './token-bucket';

interface Claim {
  deliveries: ClaimedDelivery[];
  /** How long to wait when nothing could be claimed (paused, out of tokens). */
  waitMs: number;
  folded: number;
  superseded: number;
  /** Where the lease of the deliveries claimed ends. */
  leaseUntil: Date;
}

/** One round for one channel: take what the rate limit allows, send it, record the outcomes. */
@Injectable()
export class DeliveryDispatcher {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: DeliveriesRepository,
    private readonly buckets: RateBucketsRepository,
    private readonly folder: BacklogFolder,
    private readonly providers: ProviderRegistry,
    private readonly outcomes: OutcomeRecorder,
    private readonly leases: ClaimLeases,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: NotifierConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Claims what the rate limit allows, at most `slots`, and starts sending each. Returns how long to
   * wait before the next round (0: there may be more right away) and one promise per send, settled
   * when its provider answered; the answer goes to the recorder at once. Claimed rows stay pending
   * under their lease until recorded (held by ClaimLeases: never claimed again by this replica, the
   * lease renewed should the answer be late), so nothing is claimed twice and an alert's next announcement
   * waits for this one. While the recorder holds answers Postgres could not take, nothing is
   * claimed: those answers are written first, once Postgres is back.
   */
  async round(
    channel: Channel,
    slots: number,
    { busy = false }: { busy?: boolean } = {},
  ): Promise<{ waitMs: number; sends?: Array<Promise<void>> }> {
    const poll = this.config.FIREBREAK_NOTIFY_POLL_MS;
    if (this.outcomes.backedUp) return { waitMs: poll };
    const now = this.clock.now();
    // A cheap look before taking the bucket's lock: most rounds of a quiet channel end here. A channel
    // whose last round claimed something (`busy`) skips it: while it drains a backlog the look is a
    // statement per round that reads the same dead due-index entries the claim reads next.
    if (!busy) {
      const wait = await this.untilDue(channel, now);
      if (wait !== 0) return { waitMs: wait };
    }
    const claim = await this.claim(channel, now, slots);
    if (claim.folded > 0) {
      notifierMetrics.folded.inc({ channel: channel.name }, claim.folded);
      this.logger.warn(
        { channel: channel.name, folded: claim.folded },
        'channel over its rate limit: backlog folded into a summary message',
      );
    }
    if (claim.superseded > 0) notifierMetrics.skipped.inc({ channel: channel.name, reason: 'superseded' }, claim.superseded);
    if (claim.deliveries.length === 0) {
      // The look was skipped: a retry due soon still gets its short wait.
      const untilDue = busy && claim.waitMs >= poll ? await this.untilDue(channel, now) : 0;
      return { waitMs: Math.max(1, Math.min(poll, claim.waitMs, untilDue || poll)) };
    }
    // Held from the commit of the claim on, before anything is on the wire.
    this.leases.hold(channel.name, claim.deliveries, claim.leaseUntil);
    return { waitMs: 0, sends: claim.deliveries.map((delivery) => this.send(channel, delivery)) };
  }

  /** 0 when a delivery is due now; else how long until the next one (the poll interval when none is pending). */
  private async untilDue(channel: Channel, now: Date): Promise<number> {
    const due = await this.deliveries.nextDueAt(channel.name);
    if (!due) return this.config.FIREBREAK_NOTIFY_POLL_MS;
    return due > now ? Math.min(this.config.FIREBREAK_NOTIFY_POLL_MS, due.getTime() - now.getTime()) : 0;
  }

  /**
   * Settles once the provider answered and the answer is written: until then it holds a slot, and its claim is
   * held (never claimed again by this replica, its lease renewed).
   */
  private async send(channel: Channel, delivery: ClaimedDelivery): Promise<void> {
    try {
      notifierMetrics.inFlight.inc({ channel: channel.name });
      let answer: Attempt | undefined;
      try {
        answer = await this.attempt(channel, delivery);
      } finally {
        notifierMetrics.inFlight.dec({ channel: channel.name });
      }
      if (answer) await this.outcomes.submit(channel, answer);
    } finally {
      this.leases.release(channel.name, delivery.id, delivery.claimToken);
    }
  }

  /**
   * Whether the claim's lease covers a send starting now, renewed first if it ran short. A renewal Postgres refuses
   * counts as not covered: the row is due again at the end of the lease it has, for any replica to claim.
   */
  private async leaseCovers(channel: Channel, delivery: ClaimedDelivery): Promise<boolean> {
    const { id, claimToken } = delivery;
    if (this.leases.coversSend(channel.name, id, claimToken, this.clock.now())) return true;
    try {
      if (!(await this.leases.renewForSend(channel.name, id, claimToken))) return false;
    } catch (error) {
      this.logger.warn({ err: error, channel: channel.name, delivery: id }, 'could not renew a short lease before its send');
      return false;
    }
    return this.leases.coversSend(channel.name, id, claimToken, this.clock.now());
  }

  private claim(channel: Channel, now: Date, slots: number): Promise<Claim> {
    const limits = channel.config.rateLimit;
    const leaseUntil = this.leases.leaseUntil(now);
    return this.dataSource.transaction(async (manager) => {
      const bucket = await this.buckets.lock(manager, channel.name, limits, now);
      let state = refill(bucket.state, limits, now.getTime());
      if (bucket.pausedUntil && bucket.pausedUntil > now) {
        await this.buckets.save(manager, channel.name, state);
        return { deliveries: [], waitMs: bucket.pausedUntil.getTime() - now.getTime(), folded: 0, superseded: 0, leaseUntil };
      }
      // Fold against the tokens, not the batch: a worker that is merely behind must not fold.
      const folded = channel.fold ? await this.folder.fold(manager, channel, available(state, Number.MAX_SAFE_INTEGER), now) : 0;
      const allowance = available(state, Math.min(slots, this.config.FIREBREAK_NOTIFY_BATCH_SIZE));
      // A folding channel is over its budget: follow-ups wait until its own messages are through.
      // The claim puts its rows on the wire and writes the bucket less what goes out, in one statement.
      const { deliveries, superseded } =
        allowance > 0
          ? await this.deliveries.claimOntoWire(
              manager,
              channel.name,
              allowance,
              now,
              leaseUntil,
              { tokens: state.tokens, refilledAt: new Date(state.refilledAt) },
              { followUps: folded === 0, held: this.leases.expiredHeld(channel.name, now) },
            )
          : { deliveries: [], superseded: 0 };
      if (allowance === 0) await this.buckets.save(manager, channel.name, state);
      state = spend(state, deliveries.length);
      const waitMs = allowance === 0 ? msUntilToken(state, limits) : this.config.FIREBREAK_NOTIFY_POLL_MS;
      return { deliveries, waitMs, folded, superseded, leaseUntil };
    });
  }

  /**
   * The provider's answer, or none when the claim's lease no longer covers the send and cannot be renewed: the process
   * was stalled since the claim (or Postgres slow), and another replica claimed the delivery meanwhile, so that one
   * sends it. Nothing is written then, and this replica forgets the claim. A lease that only ran short (no one else
   * claimed the row) is renewed by its token, and the send goes, its attempt and rate-limit token spent once.
   */
  private async attempt(channel: Channel, delivery: ClaimedDelivery): Promise<Attempt | undefined> {
    let outcome: SendOutcome;
    try {
      const replyTo = delivery.content.followUpOf ? await this.deliveries.messageIdOf(delivery.content.followUpOf) : undefined;
      if (!(await this.leaseCovers(channel, delivery))) {
        notifierMetrics.skipped.inc({ channel: channel.name, reason: 'lease_over' });
        this.logger.warn(
          { channel: channel.name, delivery: delivery.id },
          'not sent: this replica was stalled past its claim, which another replica may have taken; it is sent by whoever claims it next',
        );
        return undefined;
      }
      outcome = await this.providers.for(channel.type).send(channel, {
        id: delivery.id,
        target: delivery.target,
        notification: delivery.content,
        ...(replyTo !== undefined ? { replyToMessageId: replyTo } : {}),
      });
    } catch (error) {
      // A provider bug must not take the loop down; it is retried like a network error and recorded.
      outcome = { result: 'retry', reason: 'network', error: `provider error: ${(error as Error).message}` };
    }
    return { delivery, outcome, answeredAt: this.clock.now() };
  }
}
