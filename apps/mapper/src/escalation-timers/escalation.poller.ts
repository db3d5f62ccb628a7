import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { AlertLifecycle } from '../lifecycle/alert-lifecycle.service';
import { AlertTransaction } from '../lifecycle/alert-transaction';
import { DueTimer, TimersRepository } from '../lifecycle/timers.repository';
import { findSilence } from '../silences/silence';
import { SilenceLookup } from '../silences/silence-lookup';

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
    private readonly silences: SilenceLookup,
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
        // The silences in force, read as ingestion reads them (shared silence lock, taken before any row
        // lock): a silence being applied page by page covers alerts its pages have not reached yet.
        const silences = await this.silences.inForce(tx.manager, tx.now);
        // Due at the time this replica's clock set + delay; its clock decides only when it looks, so a
        // clock off by d fires a timer at most d early or late, and still once (claimed, deleted).
        const due = await this.timers.claimDue(tx.manager, tx.now, BATCH);
        for (const timer of due) await this.fire(tx, timer, findSilence(silences, timer.alert.labels, tx.now)?.id ?? null);
        return due.length;
      });
      fired += claimed;
      if (claimed < BATCH) return fired;
    }
  }

  /**
   * A firing alert a silence in force covers is silenced now, exactly as the silence's own page
   * would do it (same command, same source id, so the page finds it done and its events are the
   * same ones): the silence cancels the timer and nobody is paged for what they silenced. Anything
   * else is the timer coming due (which only escalates a firing alert).
   */
  private async fire(tx: AlertTransaction, timer: DueTimer, silenceId: string | null): Promise<void> {
    const { alert } = timer;
    if (silenceId !== null && alert.status === 'firing') {
      await this.lifecycle.execute(tx, alert, {
        type: 'silence_applied',
        silenceId,
        sourceId: `silence:${silenceId}:start:${alert.fingerprint}`,
      });
      return;
    }
    await this.lifecycle.execute(tx, alert, { type: 'escalation_due', sourceId: timer.sourceId, delayMs: timer.delayMs });
  }
}
