// Refills add fractions; sums like 6 × 1/6 must count as the whole token they are.
const EPSILON = 1e-9;

export interface BucketLimits {
  perMinute: number;
  burst: number;
}

export interface BucketState {
  tokens: number;
  refilledAt: number;
}

/** A full bucket: a quiet channel may send `burst` deliveries at once. */
export function fullBucket(limits: BucketLimits, now: number): BucketState {
  return { tokens: limits.burst, refilledAt: now };
}

/** Adds the tokens earned since the last refill, never above `burst`; a clock going back earns nothing. */
export function refill(state: BucketState, limits: BucketLimits, now: number): BucketState {
  const elapsed = Math.max(0, now - state.refilledAt);
  const tokens = Math.min(limits.burst, state.tokens + (elapsed * limits.perMinute) / 60_000);
  return { tokens, refilledAt: Math.max(now, state.refilledAt) };
}

/** How many whole tokens may be spent now (at most `wanted`). */
export function available(state: BucketState, wanted: number): number {
  return Math.max(0, Math.min(wanted, Math.floor(state.tokens + EPSILON)));
}

export function spend(state: BucketState, count: number): BucketState {
  return { ...state, tokens: state.tokens - count };
}

/** Milliseconds until one whole token is there (0 when there is one already). */
export function msUntilToken(state: BucketState, limits: BucketLimits): number {
  if (state.tokens + EPSILON >= 1) return 0;
  return Math.ceil(((1 - state.tokens) * 60_000) / limits.perMinute);
}
