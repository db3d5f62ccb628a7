import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { AlertLifecycle } from '../lifecycle/alert-lifecycle.service';
import { TimersRepository } from '../lifecycle/timers.repository';

const BATCH = 100;

/**
 * Fires due escalation timers. Each is claimed with SKIP LOCKED and deleted in the transaction
 * that stages its announcement, so it fires once whatever the number of replicas, and a timer
 * that came due while no replica ran fires on the next start.
 */
@Injectable()
export class EscalationPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;

  constructor(
    private readonly lifecycle: AlertLifecycle,
    private readonly timers: TimersRepository,
    @Inject(CONFIG) config: MapperConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.poller = new Poller({ name: 'escalation', intervalMs: config.FIREBREAK_TIMER_POLL_MS, tick: () => this.fireDue(), logger });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }

  async fireDue(): Promise<number> {
    let fired = 0;
    for (;;) {
      const claimed = await this.lifecycle.run(async (tx) => {
        // Due at the alert's own stamp + delay (see stampFor): this replica's clock decides only when
        // it looks, so a clock off by d fires a timer at most d early or late, and still once (claimed, deleted).
        const due = await this.timers.claimDue(tx.manager, tx.now, BATCH);
        for (const timer of due)
          await this.lifecycle.execute(tx, timer.alert, { type: 'escalation_due', sourceId: timer.sourceId, delayMs: timer.delayMs });
        return due.length;
      });
      fired += claimed;
      if (claimed < BATCH) return fired;
    }
  }
}
