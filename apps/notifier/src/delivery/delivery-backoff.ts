import { SendOutcome } from '../providers/provider';

/** How often a delivery is tried, and how long it waits between attempts. */
export interface DeliveryBackoff {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

export type NextStep = { status: 'sent' } | { status: 'pending'; nextAttemptAt: Date; pauseChannelUntil?: Date } | { status: 'failed' };

// A provider's hint is honoured even beyond our own backoff cap, up to an hour.
const MAX_HINT_MS = 3_600_000;
const THROTTLED_ATTEMPTS_FACTOR = 10;

/** Exponential backoff from baseMs (×2 per attempt), capped, with up to 10 % jitter so replicas spread out. */
export function backoffMs(attempt: number, backoff: DeliveryBackoff, random: () => number = Math.random): number {
  const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential * (1 + 0.1 * random()));
}

/**
 * What happens to a delivery after an attempt. A 429 waits at least the provider's hint and
 * pauses the whole channel for as long (every other delivery would get the same 429); 5xx and
 * network errors back off; anything the provider refused for good fails at once.
 */
export function nextStep(outcome: SendOutcome, attempts: number, backoff: DeliveryBackoff, now: Date, random?: () => number): NextStep {
  switch (outcome.result) {
    case 'sent':
      return { status: 'sent' };
    case 'reject':
      return { status: 'failed' };
    case 'retry': {
      // A provider that throttles is up and will take the notification: its waits do not use up the
      // attempts meant for outages and errors (within a hard ceiling).
      const limit = outcome.reason === 'throttled' ? backoff.maxAttempts * THROTTLED_ATTEMPTS_FACTOR : backoff.maxAttempts;
      if (attempts >= limit) return { status: 'failed' };
      const hint = outcome.retryAfterMs !== undefined ? Math.min(MAX_HINT_MS, outcome.retryAfterMs) : undefined;
      const delay = hint ?? backoffMs(attempts, backoff, random);
      const nextAttemptAt = new Date(now.getTime() + delay);
      return outcome.reason === 'throttled'
        ? { status: 'pending', nextAttemptAt, pauseChannelUntil: nextAttemptAt }
        : { status: 'pending', nextAttemptAt };
    }
  }
}
