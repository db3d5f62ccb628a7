import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CLOCK, Clock, CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { AlertLifecycle } from '../lifecycle/alert-lifecycle.service';
import { SilencedAlerts } from './silenced-alerts';
import { silenceState } from './silence';
import { SilenceReader } from './silence-reader';
import { SilencesRepository } from './silences.repository';

const BATCH = 20;

/** Applies silences whose start time came and lifts those whose end time passed, once across replicas. */
@Injectable()
export class SilenceSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;

  constructor(
    private readonly repository: SilencesRepository,
    private readonly alerts: SilencedAlerts,
    private readonly reader: SilenceReader,
    private readonly lifecycle: AlertLifecycle,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) config: MapperConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.poller = new Poller({ name: 'silences', intervalMs: config.FIREBREAK_TIMER_POLL_MS, tick: () => this.sweep(), logger });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }

  /** One batch of silence transitions; returns how many silences it handled. */
  async sweep(): Promise<number> {
    // The exclusive lock holds alert transactions back: take it only when a silence starts or ends.
    if (!(await this.repository.anyTransitionDue(this.clock.now()))) return 0;
    return this.lifecycle.run(async (tx) => {
      await this.repository.lockExclusive(tx.manager);
      const due = await this.repository.claimTransitions(tx.manager, tx.now, BATCH);
      for (const silence of due) {
        const state = silenceState(silence, tx.now);
        if (state === 'expired') {
          await this.alerts.release(tx, silence.id);
        } else {
          // An unreadable silence silences nothing, but is marked applied all the same: claimed
          // again on every tick, it would take the exclusive lock and hold back alert transactions.
          const read = this.reader.read(silence);
          if (read.ok) await this.alerts.silence(tx, read.silence);
        }
        await this.repository.markApplied(tx.manager, silence.id, state === 'expired' ? 'expired' : 'active');
        // The next silence reads alerts this one may have changed.
        await tx.flush();
      }
      return due.length;
    });
  }
}
