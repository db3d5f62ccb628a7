/**
 * How many alerts the batch consumer holds in the intake at once. One alerts.received.batch message
 * carries from one alert to thousands: counted in messages, 128 in flight could queue a hundred
 * thousand alerts in front of the batcher (memory, and every new page waiting behind them). Waiters
 * are served in arrival order, so a large request is not starved by small ones; one larger than the
 * whole budget takes all of it.
 */
export class AlertBudget {
  private available: number;
  private readonly waiting: Array<{ amount: number; grant: () => void }> = [];

  constructor(private readonly capacity: number) {
    this.available = capacity;
  }

  /** Waits until `alerts` (at most the capacity) are free, takes them, and returns how many to give back. */
  async take(alerts: number): Promise<number> {
    const amount = Math.min(Math.max(alerts, 1), this.capacity);
    if (this.waiting.length === 0 && amount <= this.available) {
      this.available -= amount;
      return amount;
    }
    await new Promise<void>((grant) => this.waiting.push({ amount, grant }));
    return amount;
  }

  giveBack(amount: number): void {
    this.available += amount;
    while (this.waiting.length > 0 && this.waiting[0].amount <= this.available) {
      const next = this.waiting.shift()!;
      this.available -= next.amount;
      next.grant();
    }
  }

  /** Alerts that could be taken now (for tests and metrics). */
  get free(): number {
    return this.available;
  }
}
