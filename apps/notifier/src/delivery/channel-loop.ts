import type { Logger } from 'pino';
import { Clock, Poller } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { DeliveryDispatcher } from './delivery-dispatcher';

/**
 * The sending of one enabled channel. A tick runs rounds back to back while there is work, and
 * waits out a hint shorter than the poll interval (a token or a due time that close) so a
 * rate-limited channel sends on time; a longer wait is the poller's interval. A wake cuts any wait.
 * At most the channel's `concurrency` sends are on the wire: a round claims only as many as there
 * are free slots, so what a crash can send twice is bounded by it. While draining (the last round
 * claimed something), a round waits until half the slots are free, so rounds stay large.
 */
export class ChannelLoop {
  private readonly poller: Poller;
  private readonly sending = new Set<Promise<void>>();
  private woken = false;
  private nap?: AbortController;

  constructor(
    private readonly channel: Channel,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly clock: Clock,
    private readonly pollMs: number,
    logger: Logger,
  ) {
    this.poller = new Poller({ name: `deliveries to ${channel.name}`, intervalMs: pollMs, tick: () => this.drain(), logger });
  }

  start(): void {
    this.poller.start();
    void this.poller.tickNow();
  }

  wake(): void {
    this.woken = true;
    this.nap?.abort();
    // A tick about to end may have looked at `woken` already: then one more runs after it.
    void this.poller.tickNow().then(() => (this.woken ? this.poller.tickNow() : undefined));
  }

  /** Lets the round in flight and the sends on the wire finish (each bounded by two HTTP timeouts: connection, wire). */
  async stop(): Promise<void> {
    const stopped = this.poller.stop();
    this.nap?.abort();
    await stopped;
    await Promise.all(this.sending);
  }

  private async drain(): Promise<void> {
    // Whether the last round claimed something: then the next one skips the look for due rows.
    let busy = false;
    while (this.poller.running) {
      const { concurrency } = this.channel.config;
      const slots = concurrency - this.sending.size;
      // Draining, a round waits for half the slots: every round's claim re-reads the due index's head
      // and costs a transaction of five statements, so claiming slot by slot as sends finished made a
      // round per ~20 deliveries at concurrency 64; this makes it one per ~60 (at least half stay on the wire).
      if (slots <= 0 || (busy && slots < Math.ceil(concurrency / 2))) {
        await Promise.race(this.sending);
        continue;
      }
      this.woken = false;
      const round = await this.dispatcher.round(this.channel, slots, { busy });
      for (const send of round.sends ?? []) this.track(send);
      busy = (round.sends?.length ?? 0) > 0;
      if (round.waitMs === 0 || this.woken) continue;
      if (round.waitMs >= this.pollMs) return;
      await this.pause(round.waitMs);
    }
  }

  private track(send: Promise<void>): void {
    const tracked: Promise<void> = send.catch(() => undefined).finally(() => this.sending.delete(tracked));
    this.sending.add(tracked);
  }

  private async pause(ms: number): Promise<void> {
    this.nap = new AbortController();
    // Rejects only when aborted: by a wake (go on at once) or by stop (the loop condition ends it).
    await this.clock.sleep(ms, this.nap.signal).catch(() => undefined);
    this.nap = undefined;
  }
}
