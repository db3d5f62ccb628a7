import { abortError, Clock } from '@firebreak/platform';

interface Sleeper {
  due: number;
  resolve: () => void;
}

/**
 * Virtual time: nothing waits for real. `advance(ms)` moves time and wakes the sleepers that come
 * due on the way; `run(promise)` lets the promise make progress and jumps the clock to the next
 * sleeper whenever everything else is idle, so a 10-minute timeout or a backoff of 4 s costs
 * microseconds and `sleeps` records exactly what was waited.
 */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private offset = 0;
  private readonly sleepers: Sleeper[] = [];

  constructor(private start = new Date('2024-12-09T10:00:00.000Z')) {}

  now(): Date {
    return new Date(this.start.getTime() + this.offset);
  }

  /** Jumps to `date` without waking sleepers (a wall-clock step, as NTP makes). */
  set(date: Date): void {
    this.start = new Date(date.getTime() - this.offset);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const sleeper: Sleeper = { due: this.offset + Math.max(0, ms), resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        'abort',
        () => {
          this.remove(sleeper);
          reject(abortError(signal));
        },
        { once: true },
      );
    });
  }

  async advance(ms: number): Promise<void> {
    const target = this.offset + ms;
    for (;;) {
      const next = this.nextSleeper();
      if (!next || next.due > target) break;
      this.offset = next.due;
      this.remove(next);
      next.resolve();
      await flush();
    }
    this.offset = target;
    await flush();
  }

  /** Drives `promise` to completion in virtual time; fails if it can never finish. */
  async run<T>(promise: Promise<T>, maxJumps = 10_000): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => (settled = true));
    tracked.catch(() => undefined);
    for (let jumps = 0; jumps < maxJumps; jumps++) {
      await flush();
      if (settled) return tracked;
      const next = this.nextSleeper();
      if (!next) throw new Error('FakeClock.run: the promise waits on something other than the clock');
      await this.advance(next.due - this.offset);
    }
    throw new Error('FakeClock.run: too many clock jumps');
  }

  elapsedMs(): number {
    return this.offset;
  }

  private nextSleeper(): Sleeper | undefined {
    return [...this.sleepers].sort((a, b) => a.due - b.due)[0];
  }

  private remove(sleeper: Sleeper): void {
    const index = this.sleepers.indexOf(sleeper);
    if (index >= 0) this.sleepers.splice(index, 1);
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}
