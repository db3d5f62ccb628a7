/**
 * At most `size` detector runs at once on this replica, whoever asked (the scheduler or the API):
 * each run takes a Postgres connection at a time from the service's pool, so an unbounded burst
 * (POST /detectors/run over many detectors) would exhaust it. Waiters are served in arrival order.
 * A dozen lines of our own rather than p-limit, which is ESM-only and cannot be loaded by this jest setup.
 */
export class RunSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      // A slot freed goes straight to the next waiter (active stays the same), so no newcomer overtakes it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Runs in progress now (for tests and logs). */
  get inUse(): number {
    return this.active;
  }
}
