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
  /** Silences whose last attempt failed: each failure streak is logged once, and its end too. */
  private readonly failing = new Set<string>();

  constructor(
    private readonly repository: SilencesRepository,
    private readonly transitions: SilenceTransitions,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CONFIG) config: MapperConfig,
    @Inject(LOGGER) private readonly logger: Logger,
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

  /**
   * Runs a sweep now (and once more after a sweep in flight, which may have read the due silences
   * before the caller's change committed): an API call that stored a silence answers at once and
   * leaves the rest of its pages to this.
   */
  kick(): void {
    if (!this.poller.running || this.stopping) return;
    void this.poller.tickNow().then(() => (this.poller.running && !this.stopping ? this.poller.tickNow() : undefined));
  }

  /** The silence transitions that came due, each carried out page by page; returns how many silences it handled. */
  async sweep(): Promise<number> {
    // The exclusive lock holds alert transactions back: taken only when a silence starts or ends.
    const due = await this.repository.transitionsDue(this.clock.now(), BATCH);
    for (const silence of due) {
      if (this.stopping) break;
      // One silence whose pages keep failing must not hold back the others due after it: its error
      // is logged (once per streak) and the sweep goes on; it is tried again on the next tick.
      try {
        await this.transitions.catchUp(silence.id, () => !this.stopping);
        if (this.failing.delete(silence.id)) this.logger.info({ silenceId: silence.id }, 'silence applied again after failures');
      } catch (error) {
        if (this.failing.has(silence.id)) continue;
        this.failing.add(silence.id);
        this.logger.warn({ err: error, silenceId: silence.id }, 'silence could not be applied; retried on every sweep, the others go on');
      }
    }
    // A silence no longer due (finished, or past by another replica) ends its streak quietly.
    const stillDue = new Set(due.map((silence) => silence.id));
    for (const id of this.failing) if (!stillDue.has(id)) this.failing.delete(id);
    return due.length;
  }
}
