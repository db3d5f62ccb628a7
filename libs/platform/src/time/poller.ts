import type { Logger } from 'pino';

export interface PollerOptions {
  /** Says which loop a log line is about. */
  name: string;
  intervalMs: number;
  tick: () => Promise<unknown>;
  logger: Logger;
  /**
   * Each wait is `intervalMs` give or take this fraction (0..1), so replicas started together do not
   * poll Postgres in lockstep. Default 0.1.
   */
  jitter?: number;
  /** Source of randomness for the jitter; tests pass a fixed one. */
  random?: () => number;
}

/**
 * Runs `tick` every `intervalMs` (plus jitter), never two at once. `stop()` waits for a tick in
 * flight, so nothing uses the database after shutdown closed it. A failing tick is logged once per
 * streak of failures, not once per interval, and its recovery once.
 */
export class Poller {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private stopped = true;
  private failing = false;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(private readonly options: PollerOptions) {
    if (!(options.intervalMs > 0)) throw new Error(`poller ${options.name}: intervalMs must be positive`);
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.1));
    this.random = options.random ?? Math.random;
  }

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops the loop and resolves once a tick in flight has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Runs one tick now, or waits for the one in flight; the schedule goes on from there. */
  tickNow(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    clearTimeout(this.timer);
    this.timer = undefined;
    const run = this.runTick().finally(() => {
      this.inFlight = undefined;
      this.schedule();
    });
    this.inFlight = run;
    return run;
  }

  private schedule(): void {
    if (this.stopped || this.timer || this.inFlight) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tickNow();
    }, this.nextDelayMs());
    this.timer.unref();
  }

  private nextDelayMs(): number {
    const spread = this.options.intervalMs * this.jitter;
    return Math.max(1, Math.round(this.options.intervalMs - spread + 2 * spread * this.random()));
  }

  private async runTick(): Promise<void> {
    try {
      await this.options.tick();
      if (this.failing) this.options.logger.info({ poller: this.options.name }, 'poll recovered');
      this.failing = false;
    } catch (error) {
      if (!this.failing)
        this.options.logger.warn(
          { err: error, poller: this.options.name },
          'poll failed; will keep trying (logged once until it recovers)',
        );
      this.failing = true;
    }
  }
}
