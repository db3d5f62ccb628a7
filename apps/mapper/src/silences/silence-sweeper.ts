import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { Poller } from '../core/poller';
import { Clock } from '../core/clock';
import { AlertTransactions } from '../lifecycle/alert-transactions';
import { SilenceEffects } from './silence-effects';
import { silenceState, toActive } from './silence';
import { SilencesRepository } from './silences.repository';

const BATCH = 20;

/** Applies silences whose start time came and lifts those whose end time passed, once across replicas. */
@Injectable()
export class SilenceSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;

  constructor(
    private readonly repository: SilencesRepository,
    private readonly effects: SilenceEffects,
    private readonly transactions: AlertTransactions,
    private readonly clock: Clock,
    @Inject(CONFIG) config: MapperConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.poller = new Poller('silences', config.FIREBREAK_TIMER_POLL_MS, () => this.sweep(), logger);
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
    const outcome = await this.transactions.run(async (fx) => {
      await this.repository.lockExclusive(fx.tx.manager);
      const due = await this.repository.claimTransitions(fx.tx.manager, fx.now, BATCH);
      for (const silence of due) {
        const state = silenceState(silence, fx.now);
        if (state === 'expired') await this.effects.lift(fx, silence.id);
        else await this.effects.apply(fx, toActive(silence));
        await this.repository.markApplied(fx.tx.manager, silence.id, state === 'expired' ? 'expired' : 'active');
        // The next silence reads alerts this one may have changed.
        await fx.flush();
      }
      return due.length;
    });
    return outcome.duplicate ? 0 : outcome.result;
  }
}
