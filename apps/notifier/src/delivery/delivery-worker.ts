import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { Clock, CLOCK, CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { ChannelRegistry } from '../channel-config/channel-registry';
import { longestExchangeMs } from '../providers/http';
import { NotifierConfig } from '../service';
import { ChannelLoop } from './channel-loop';
import { ClaimLeases } from './claim-leases';
import { DeliveryHistoryRepository } from './delivery-history.repository';
import { DeliveryDispatcher } from './delivery-dispatcher';
import { OutcomeRecorder } from './outcome-recorder';

const PRUNE_EVERY_MS = 3_600_000;
/**
 * How long an analysis waits for its alert's firing message: the knowledge service analyses only
 * alerts announced in the last few minutes, so an hour covers an intake far behind.
 */
const ANALYSIS_WAIT_MS = 3_600_000;

/**
 * One loop per enabled channel, so a slow or throttled provider never delays another. Retry state
 * lives in Postgres (due times, claimed with SKIP LOCKED), so the bus consumer never waits on a
 * provider and any replica can pick up where another stopped. A new delivery wakes its channel's
 * loop; otherwise it polls every FIREBREAK_NOTIFY_POLL_MS (rows from other replicas, retries).
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loops = new Map<string, ChannelLoop>();
  private readonly pruning: Poller;

  constructor(
    private readonly registry: ChannelRegistry,
    private readonly dispatcher: DeliveryDispatcher,
    private readonly history: DeliveryHistoryRepository,
    private readonly outcomes: OutcomeRecorder,
    private readonly leases: ClaimLeases,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: NotifierConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.pruning = new Poller({ name: 'delivery history pruning', intervalMs: PRUNE_EVERY_MS, tick: () => this.prune(), logger });
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const channel of this.registry.enabled()) {
      const loop = new ChannelLoop(channel, this.dispatcher, this.clock, this.config.FIREBREAK_NOTIFY_POLL_MS, this.logger);
      this.loops.set(channel.name, loop);
      loop.start();
    }
    this.pruning.start();
    await this.reportStranded();
  }

  /**
   * Lets the sends in flight finish (each bounded by its longest exchange: two HTTP timeouts) and their answers be
   * written, then stops. Answers Postgres cannot take before the grace ends are lost with the process: their
   * deliveries go out again after the lease, with the same idempotency key.
   */
  async beforeApplicationShutdown(): Promise<void> {
    // Sends hold their slot until their answer is written; with Postgres away that could be never.
    const stopped = Promise.all([this.pruning.stop(), ...[...this.loops.values()].map((loop) => loop.stop())]).then(
      () => true,
      (error: unknown) => {
        this.logger.error({ err: error }, 'stopping the delivery loops failed');
        return true;
      },
    );
    // A send's longest exchange (a wait for a connection, then the wire), and one more timeout to write its answer:
    // an answer that came at the end of the grace would not be written, and another replica would send it again.
    const timeoutMs = this.config.FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS;
    const graceMs = longestExchangeMs(timeoutMs) + timeoutMs;
    const inTime = await this.within(stopped, graceMs);
    const unwritten = inTime ? await this.outcomes.drain(this.config.FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS) : this.outcomes.abandon();
    // A round may still wait on a Postgres that went silent: give it one more HTTP timeout, then go.
    if (!inTime) await this.within(stopped, this.config.FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS);
    // Only now: the answers written in the drain above were still this replica's, their leases renewed.
    await this.leases.stop();
    if (unwritten > 0)
      this.logger.error(
        { unwritten },
        'stopping with delivery outcomes Postgres did not take; those deliveries will be sent again after their lease',
      );
  }

  /** Whether `done` settled within `ms`. */
  private async within(done: Promise<boolean>, ms: number): Promise<boolean> {
    const timer = new AbortController();
    try {
      return await Promise.race([
        done,
        this.clock.sleep(ms, timer.signal).then(
          () => false,
          () => true,
        ),
      ]);
    } finally {
      timer.abort();
    }
  }

  wake(channels: string[]): void {
    for (const name of channels) this.loops.get(name)?.wake();
  }

  private async prune(): Promise<void> {
    const now = this.clock.now().getTime();
    const before = new Date(now - this.config.FIREBREAK_NOTIFY_HISTORY_DAYS * 86_400_000);
    const removed = await this.history.prune(before, new Date(now - ANALYSIS_WAIT_MS));
    if (removed > 0) this.logger.info({ removed }, 'pruned delivery history');
  }

  /** Deliveries queued for a channel that is now disabled or gone wait until it is back: say so. */
  private async reportStranded(): Promise<void> {
    const enabled = new Set(this.registry.enabled().map((channel) => channel.name));
    try {
      for (const [channel, pending] of await this.history.pendingByChannel()) {
        if (!enabled.has(channel))
          this.logger.warn({ channel, pending }, 'deliveries wait for a channel that is disabled or no longer configured');
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not look for deliveries of disabled channels');
    }
  }
}
