import { Cron } from 'croner';

/**
 * When a detector's runs are due. Every replica computes the same ticks (interval ticks are aligned
 * to the epoch, cron ticks are cron times in UTC), so the tick is a key they can all claim.
 */
export interface Schedule {
  /** The latest tick at or before `now`, or undefined when none is due yet. */
  currentTick(now: Date): Date | undefined;
  describe(): string;
}

export class IntervalSchedule implements Schedule {
  constructor(readonly intervalMs: number) {}

  currentTick(now: Date): Date {
    return new Date(Math.floor(now.getTime() / this.intervalMs) * this.intervalMs);
  }

  describe(): string {
    return `every ${this.intervalMs} ms`;
  }
}

/**
 * Cron has no "previous time before" in croner, so the schedule walks forward from the time it was
 * first asked: the first tick it reports is the first cron time after the replica started.
 */
export class CronSchedule implements Schedule {
  private readonly cron: Cron;
  private cursor?: Date;
  private latest?: Date;

  constructor(readonly pattern: string) {
    this.cron = new Cron(pattern, { paused: true, timezone: 'Etc/UTC' });
  }

  currentTick(now: Date): Date | undefined {
    if (!this.cursor || now < this.cursor) {
      this.cursor = now;
      this.latest = undefined;
      return undefined;
    }
    for (let next = this.cron.nextRun(this.cursor); next && next <= now; next = this.cron.nextRun(next)) this.latest = next;
    this.cursor = now;
    return this.latest;
  }

  describe(): string {
    return `cron ${this.pattern} (UTC)`;
  }
}

/** Throws croner's own message for a pattern it cannot read. */
export function checkCronPattern(pattern: string): void {
  new Cron(pattern, { paused: true, timezone: 'Etc/UTC' }).stop();
}
