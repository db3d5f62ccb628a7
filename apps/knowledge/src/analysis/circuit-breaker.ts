/**
 * After `threshold` failures in a row the model is not asked for `cooldownMs`: an outage costs one
 * timeout per analysis otherwise, and every analysis would arrive late. After the cool-down one call
 * is let through (half-open); its success closes the breaker, its failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => Date,
  ) {}

  /** Whether a call may go out now. */
  allows(): boolean {
    return this.now().getTime() >= this.openUntil;
  }

  success(): void {
    this.failures = 0;
    this.openUntil = 0;
  }

  failure(): void {
    this.failures += 1;
    if (this.failures >= this.threshold) this.openUntil = this.now().getTime() + this.cooldownMs;
  }

  get open(): boolean {
    return !this.allows();
  }
}
