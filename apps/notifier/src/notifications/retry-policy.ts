import { SendOutcome } from '../providers/provider';

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export type Decision =
  | { status: 'sent' }
  | { status: 'pending'; nextAttemptAt: Date; pauseChannelUntil?: Date }
  | { status: 'failed' };

// A provider's hint is honoured even beyond our own backoff cap, up to an hour.
const MAX_HINT_MS = 3_600_000;
const THROTTLED_ATTEMPTS_FACTOR = 10;

/** Exponential backoff from baseMs (×2 per attempt), capped, with up to 10 % jitter so replicas spread out. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (1 + 0.1 * random()));
}

/**
 * What happens to a delivery after an attempt. A 429 waits at least the provider's hint and
 * pauses the whole channel for as long (every other message would get the same 429); 5xx and
 * network errors back off; anything the provider refused for good fails at once.
 */
export function decide(outcome: SendOutcome, attempts: number, policy: RetryPolicy, now: Date, random?: () => number): Decision {
  switch (outcome.result) {
    case 'sent':
      return { status: 'sent' };
    case 'reject':
      return { status: 'failed' };
    case 'retry': {
      // A provider that throttles is up and will take the message: its waits do not use up the
      // attempts meant for outages and errors (within a hard ceiling).
      const limit = outcome.reason === 'throttled' ? policy.maxAttempts * THROTTLED_ATTEMPTS_FACTOR : policy.maxAttempts;
      if (attempts >= limit) return { status: 'failed' };
      const hint = outcome.retryAfterMs !== undefined ? Math.min(MAX_HINT_MS, outcome.retryAfterMs) : undefined;
      const delay = hint ?? backoffMs(attempts, policy, random);
      const nextAttemptAt = new Date(now.getTime() + delay);
      return outcome.reason === 'throttled' ? { status: 'pending', nextAttemptAt, pauseChannelUntil: nextAttemptAt } : { status: 'pending', nextAttemptAt };
    }
  }
}
