import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CLOCK, Clock, CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { SilenceTransitions } from './silence-transitions';
import { SilencesRepository } from './silences.repository';

const BATCH = 20;

/** Applies silences whose start time came and lifts those whose end time passed (and finishes what a crash or an error left half done). */
@Injectable()
export class SilenceSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;
  private stopping = false;

  constructor(
    private readonly repository: SilencesRepository,
    private readonly transitions: SilenceTransitions,
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
    // Shutdown waits for the page in flight, not for the rest of a silence over many alerts (the next start goes on).
    this.stopping = true;
    await this.poller.stop();
  }

  /** The silence transitions that came due, each carried out page by page; returns how many silences it handled. */
  async sweep(): Promise<number> {
    // The exclusive lock holds alert transactions back: taken only when a silence starts or ends.
    const due = await this.repository.transitionsDue(this.clock.now(), BATCH);
    for (const silence of due) if (!this.stopping) await this.transitions.catchUp(silence.id, () => !this.stopping);
    return due.length;
  }
}
