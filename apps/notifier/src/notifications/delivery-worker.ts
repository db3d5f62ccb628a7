import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@firebreak/platform';
import { Channel } from '../channels/channel-set';
import { ChannelRegistry } from '../channels/channel-registry';
import { CLOCK, Clock } from '../clock';
import { NotifierConfig } from '../service';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveriesQueryRepository } from './deliveries-query.repository';
import { DeliveryDispatcher } from './delivery-dispatcher';

const PRUNE_EVERY_MS = 3_600_000;
// Rounds of one channel whose sends overlap: claiming the next batch while one is on the wire.
const ROUNDS_IN_FLIGHT = 4;

/**
 * One loop per enabled channel, so a slow or throttled provider never delays another. Retry state
 * lives in Postgres (due times, claimed with SKIP LOCKED), so the bus consumer never waits on a
 * provider and any replica can pick up where another stopped. A new delivery wakes its channel's
 * loop; otherwise it polls every FIREBREAK_NOTIFY_POLL_MS (rows from other replicas, retries).
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;
  private readonly loops: Array<Promise<void>> = [];
  private readonly sleepers = new Map<string, () => void>();
  private readonly woken = new Set<string>();
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly registry: ChannelRegistry,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly deliveries: DeliveriesRepository,
    private readonly query: DeliveriesQueryRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: NotifierConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.running = true;
    for (const channel of this.registry.enabled()) this.loops.push(this.run(channel));
    this.pruneTimer = setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    await this.reportStranded();
  }

  /** Lets the rounds in flight finish (their sends are bounded by the HTTP timeout), then stops. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    clearInterval(this.pruneTimer);
    for (const wake of [...this.sleepers.values()]) wake();
    await Promise.all(this.loops);
  }

  wake(channels: string[]): void {
    for (const name of channels) {
      this.woken.add(name);
      this.sleepers.get(name)?.();
    }
  }

  private async run(channel: Channel): Promise<void> {
    const sending = new Set<Promise<void>>();
    while (this.running) {
      if (sending.size >= ROUNDS_IN_FLIGHT) {
        await Promise.race(sending);
        continue;
      }
      this.woken.delete(channel.name);
      let waitMs: number;
      try {
        const round = await this.dispatcher.round(channel);
        waitMs = round.waitMs;
        if (round.sending) {
          const tracked: Promise<void> = round.sending.finally(() => sending.delete(tracked));
          sending.add(tracked);
        }
      } catch (error) {
        this.logger.error({ err: error, channel: channel.name }, 'delivery round failed; trying again');
        waitMs = this.config.FIREBREAK_NOTIFY_POLL_MS;
      }
      if (waitMs > 0 && this.running) await this.sleep(channel.name, waitMs);
    }
    await Promise.all(sending);
  }

  private sleep(name: string, ms: number): Promise<void> {
    if (this.woken.has(name)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(name);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.set(name, done);
    });
  }

  private async prune(): Promise<void> {
    try {
      const before = new Date(this.clock.now().getTime() - this.config.FIREBREAK_NOTIFY_HISTORY_DAYS * 86_400_000);
      const removed = await this.deliveries.prune(before);
      if (removed > 0) this.logger.info({ removed }, 'pruned delivery history');
    } catch (error) {
      this.logger.warn({ err: error }, 'pruning delivery history failed; will try again');
    }
  }

  /** Deliveries queued for a channel that is now disabled or gone wait until it is back: say so. */
  private async reportStranded(): Promise<void> {
    const enabled = new Set(this.registry.enabled().map((channel) => channel.name));
    try {
      for (const [channel, pending] of await this.query.pendingByChannel()) {
        if (!enabled.has(channel)) this.logger.warn({ channel, pending }, 'deliveries wait for a channel that is disabled or no longer configured');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not look for deliveries of disabled channels');
    }
  }
}
