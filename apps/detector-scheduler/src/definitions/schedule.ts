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

// Look-backs tried in turn for the cron time at or before a moment: a minute, an hour, a day, a month,
// a year, eight years (Feb 29 on a Monday). Short ones first, so a dense pattern walks few times.
const LOOKBACKS_MS = [60_000, 3_600_000, 86_400_000, 31 * 86_400_000, 366 * 86_400_000, 8 * 366 * 86_400_000];

/**
 * Cron ticks in UTC. The current tick is the latest cron time at or before now, from the first call
 * on: after a restart (or a replica starting) the tick that came due while none ran is the current
 * one, and the runs table decides whether it still needs running (a tick stored before is not run
 * again). croner 9 has no "previous time before a date", so the first call finds it by walking
 * forward from a look-back; later calls walk forward from the last one.
 */
export class CronSchedule implements Schedule {
  private readonly cron: Cron;
  private cursor?: Date;
  private latest?: Date;

  constructor(readonly pattern: string) {
    this.cron = new Cron(pattern, { paused: true, timezone: 'Etc/UTC' });
  }

  currentTick(now: Date): Date | undefined {
    if (!this.cursor || now < this.cursor) this.latest = this.previous(now);
    else for (let next = this.cron.nextRun(this.cursor); next && next <= now; next = this.cron.nextRun(next)) this.latest = next;
    this.cursor = now;
    return this.latest;
  }

  /** The latest cron time at or before `now`, or undefined when there is none in the last eight years. */
  private previous(now: Date): Date | undefined {
    for (const lookback of LOOKBACKS_MS) {
      // nextRun(from) is strictly after `from`: start 1 ms earlier so a time exactly at the look-back counts.
      let latest: Date | undefined;
      for (let next = this.cron.nextRun(new Date(now.getTime() - lookback - 1)); next && next <= now; next = this.cron.nextRun(next))
        latest = next;
      if (latest) return latest;
    }
    return undefined;
  }

  describe(): string {
    return `cron ${this.pattern} (UTC)`;
  }
}

/** Throws croner's own message for a pattern it cannot read. */
export function checkCronPattern(pattern: string): void {
  new Cron(pattern, { paused: true, timezone: 'Etc/UTC' }).stop();
}
