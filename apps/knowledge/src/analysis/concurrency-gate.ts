/**
 * At most `limit` holders at once; the others wait their turn in arrival order, each for at most its own
 * deadline (an analysis must still be posted within its 30 s, so it cannot wait for ever). Hand-written:
 * p-limit and the like queue without a per-waiter time-out, and a waiter that gave up must leave the queue.
 */
export class ConcurrencyGate {
  private held = 0;
  private readonly waiters: Array<{ grant: () => void }> = [];

  constructor(private readonly limit: number) {}

  /** A release function, or undefined when no place came free within `timeoutMs`. */
  async acquire(timeoutMs: number): Promise<(() => void) | undefined> {
    if (this.held < this.limit) return this.grant();
    if (timeoutMs <= 0) return undefined;
    return new Promise((resolve) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(this.grant());
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  get active(): number {
    return this.held;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  private grant(): () => void {
    this.held++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held--;
      this.waiters.shift()?.grant();
    };
  }
}
