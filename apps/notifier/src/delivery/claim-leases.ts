import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Clock, CLOCK, CONFIG, LOGGER, Poller, rowsOf, table } from '@firebreak/platform';
import { longestExchangeMs } from '../providers/http';
import { NotifierConfig } from '../service';
import { ClaimedDelivery } from './delivery.types';

/** How often the claims held are looked at; only those past half their lease are renewed (normally none). */
const RENEW_EVERY_MS = 5_000;
/** A claim's lease beyond its send's longest exchange: time for the answer to be written after the provider answered. */
const LEASE_MARGIN_MS = 30_000;

interface Held {
  claimToken: string;
  leaseUntil: number;
}

/**
 * The claims this replica holds: deliveries on the wire, or answered and not yet written. A starved
 * process (event loop late, Postgres slow) could take longer than a lease between claim and settle,
 * and the delivery was then claimed again and sent twice. Two guards:
 *
 * - this replica's claims never take a delivery it still holds (`expiredHeld`), however late it is;
 * - a claim held past half its lease is renewed, by its token, so another replica does not take it
 *   either. A replica that dies renews nothing: its deliveries are due again when their lease ends,
 *   as before (the at-least-once window of a crash between send and settle is unchanged).
 */
@Injectable()
export class ClaimLeases implements OnApplicationBootstrap {
  /**
   * A claim's lease: a send's longest exchange (its wait for a connection and its time on the wire, each up to the HTTP
   * timeout: a send cannot outlast them) and the margin to write its answer.
   */
  readonly leaseMs: number;
  private readonly sendMs: number;
  private readonly held = new Map<string, Map<string, Held>>();
  private readonly deliveries: string;
  private readonly renewing: Poller;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) config: NotifierConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.sendMs = longestExchangeMs(config.FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS);
    this.leaseMs = this.sendMs + LEASE_MARGIN_MS;
    this.deliveries = table(config.dbSchema, 'deliveries');
    this.renewing = new Poller({ name: 'delivery lease renewal', intervalMs: RENEW_EVERY_MS, tick: () => this.renew(), logger });
  }

  onApplicationBootstrap(): void {
    this.renewing.start();
  }

  /**
   * Stops renewing. Called by the DeliveryWorker once its sends are answered and their answers written (or given up):
   * as its own shutdown hook, it would stop with the others at the start of shutdown, and an answer written late in
   * the worker's drain would be past its lease, claimable by another replica.
   */
  async stop(): Promise<void> {
    await this.renewing.stop();
  }

  /** Where a claim made at `now` ends. */
  leaseUntil(now: Date): Date {
    return new Date(now.getTime() + this.leaseMs);
  }

  hold(channel: string, claimed: ClaimedDelivery[], leaseUntil: Date): void {
    let ofChannel = this.held.get(channel);
    if (!ofChannel) this.held.set(channel, (ofChannel = new Map()));
    for (const delivery of claimed) ofChannel.set(delivery.id, { claimToken: delivery.claimToken, leaseUntil: leaseUntil.getTime() });
  }

  /**
   * Whether the claim, held under this token, is still leased for a whole send started `now` (its longest exchange). A
   * process stalled between its claim and its send (event loop blocked, VM paused) can wake past its lease, when
   * another replica may have claimed the delivery and sent it already: sending it too would page twice, and the
   * renewal cannot have helped, as it runs on the same event loop. Such a send is made only once `renewForSend` has
   * leased the claim anew (see the dispatcher).
   */
  coversSend(channel: string, id: string, claimToken: string, now: Date): boolean {
    const held = this.held.get(channel)?.get(id);
    return held !== undefined && held.claimToken === claimToken && held.leaseUntil - now.getTime() >= this.sendMs;
  }

  /**
   * The delivery's answer is written (or dropped for good): its row is no longer this replica's to guard. By token: a
   * retry due at once may have been claimed again meanwhile, and the first send's release must not drop that claim.
   */
  release(channel: string, id: string, claimToken: string): void {
    const ofChannel = this.held.get(channel);
    if (ofChannel?.get(id)?.claimToken === claimToken) ofChannel.delete(id);
  }

  /**
   * Deliveries of the channel this replica holds whose lease ran out by `now`: its own claim at `now` must not take
   * them again. Those still leased are not due, so not claimable anyway: normally none, and the claim carries nothing.
   */
  expiredHeld(channel: string, now: Date): string[] {
    const ids: string[] = [];
    for (const [id, held] of this.held.get(channel) ?? []) if (held.leaseUntil <= now.getTime()) ids.push(id);
    return ids;
  }

  /**
   * Extends the leases of the claims held past half their lease, each only while its row is still pending
   * under its token (a settled row's token is cleared, so a renewal racing a settle cannot delay a retry).
   * Returns how many rows were renewed.
   */
  async renew(): Promise<number> {
    const now = this.clock.now().getTime();
    const due: Array<{ id: string; held: Held }> = [];
    for (const ofChannel of this.held.values())
      for (const [id, held] of ofChannel) if (held.leaseUntil - now < this.leaseMs / 2) due.push({ id, held });
    if (due.length === 0) return 0;
    const leaseUntil = now + this.leaseMs;
    // SKIP LOCKED: a row locked now is being settled (or claimed by another replica); waiting on it could
    // deadlock with a settle of several rows, and it needs no renewal.
    const result: unknown = await this.dataSource.query(
      `WITH renewable AS (
         SELECT d.id FROM ${this.deliveries} d JOIN unnest($1::text[], $2::uuid[]) AS u(id, claim_token) ON d.id = u.id
          WHERE d.claim_token = u.claim_token AND d.status = 'pending' AND d.next_attempt_at < $3
          FOR UPDATE OF d SKIP LOCKED)
       UPDATE ${this.deliveries} d SET next_attempt_at = $3 FROM renewable r WHERE d.id = r.id
       RETURNING d.id`,
      [due.map((d) => d.id), due.map((d) => d.held.claimToken), new Date(leaseUntil)],
    );
    // Only what the statement renewed counts as renewed: a row fenced out meanwhile keeps the lease it had.
    const renewed = new Set(rowsOf<{ id: string }>(result).map((row) => row.id));
    for (const { id, held } of due) if (renewed.has(id)) held.leaseUntil = leaseUntil;
    return renewed.size;
  }

  /**
   * Leases one held claim anew at once, whatever is left of its lease: for a send about to start on a claim whose lease
   * no longer covers it (`coversSend`). Only a row still pending under this claim's token is extended, and every claim
   * gives a row a new token: a row extended here was claimed by no other replica since, so none sent it, and this
   * send may go. Returns whether it was extended.
   */
  async renewForSend(channel: string, id: string, claimToken: string): Promise<boolean> {
    const held = this.held.get(channel)?.get(id);
    if (held?.claimToken !== claimToken) return false;
    // Waits for a row lock, unlike the periodic renewal: the row may be locked by that very renewal (both want a
    // short lease renewed), and skipping it would skip the send. One row, no other lock held: no deadlock. A claim of
    // another replica holding the lock gives the row a new token, so the row is not renewed once it commits.
    const result: unknown = await this.dataSource.query(
      `UPDATE ${this.deliveries} SET next_attempt_at = GREATEST(next_attempt_at, $3)
        WHERE id = $1 AND claim_token = $2 AND status = 'pending'
       RETURNING next_attempt_at`,
      [id, claimToken, new Date(this.clock.now().getTime() + this.leaseMs)],
    );
    const [row] = rowsOf<{ next_attempt_at: Date }>(result);
    if (!row) return false;
    held.leaseUntil = Math.max(held.leaseUntil, row.next_attempt_at.getTime());
    return true;
  }
}
