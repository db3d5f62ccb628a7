/**
 * After `threshold` failures in a row the model is not asked for `cooldownMs`: an outage costs one
 * timeout per analysis otherwise, and every analysis would arrive late. After the cool-down one call
 * is let through (half-open); its success closes the breaker, its failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  /** Half-open: the one trial call after a cool-down is out; every other call is refused until it settles. */
  private trialOut = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => Date,
  ) {}

  /**
   * Whether a call may go out now; when it may, the call is counted as started (call `success` or
   * `failure` once it settles). After a cool-down only one concurrent call is let through: with 30
   * analyses waiting, a model still down would otherwise cost 30 timeouts, not one.
   */
  acquire(): boolean {
    if (this.failures < this.threshold) return true;
    if (this.now().getTime() < this.openUntil || this.trialOut) return false;
    this.trialOut = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.openUntil = 0;
    this.trialOut = false;
  }

  failure(): void {
    this.failures += 1;
    this.trialOut = false;
    if (this.failures >= this.threshold) this.openUntil = this.now().getTime() + this.cooldownMs;
  }

  get open(): boolean {
    return this.failures >= this.threshold && (this.now().getTime() < this.openUntil || this.trialOut);
  }
}
