import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CLOCK, Clock, LOGGER, Poller } from '@firebreak/platform';
import { SloCatalog } from '../definitions/slo-catalog';
import { EventCountingService } from './event-counting.service';

const DAY = 86_400_000;
/** The compliance API answers ranges of up to 90 days; buckets stay that long even if no SLO window does. */
const API_RANGE_MS = 90 * DAY;
/** A calendar month is at most 31 days. */
const MONTH_MS = 31 * DAY;
/** Margin past the longest window: a late event, a clock a little off, the day the range API rounds to. */
const MARGIN_MS = DAY;

/** How long minute buckets are kept: the longest SLO window or the API's longest range, plus a day. */
export function bucketRetentionMs(catalog: SloCatalog): number {
  const windows = catalog.all.map((slo) => (slo.window.kind === 'rolling' ? slo.window.ms : MONTH_MS));
  return Math.max(API_RANGE_MS, ...windows) + MARGIN_MS;
}

/**
 * Deletes minute buckets nobody can ask for any more, hourly, in batches, so event_counts stays at
 * (signals × minutes of retention) rows. The inbox rows of the counting consumers are pruned by the
 * bus's TransactionalMessaging relay like every service's (keepInboxForMs).
 */
@Injectable()
export class EventPruningPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;

  constructor(
    private readonly counting: EventCountingService,
    private readonly catalog: SloCatalog,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.poller = new Poller({ name: 'slo-bucket-pruning', intervalMs: 3_600_000, tick: () => this.prune(), logger });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }

  /** Returns how many buckets went. */
  async prune(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - bucketRetentionMs(this.catalog));
    let total = 0;
    for (let batch = await this.counting.prune(before); batch > 0; batch = await this.counting.prune(before)) total += batch;
    return total;
  }
}
