import { ContractViolation } from '@firebreak/contracts';
import { DependencyUnavailableError, PermanentError } from './errors';

export type Settlement =
  | { action: 'ack' }
  | { action: 'nak'; delayMs: number }
  | { action: 'dead_letter'; reason: 'invalid' | 'handler_failed' | 'permanent_error'; error: string };

export interface RetryPolicy {
  /** Handler failures (outages not counted) after which a message is dead-lettered. */
  maxDeliver: number;
  /** Delay before delivery n+1 after delivery n failed; the last entry repeats. */
  backoffMs: number[];
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxDeliver: 5, backoffMs: [1_000, 5_000, 15_000, 30_000] };

export interface Attempts {
  /** The server's delivery count: it also grows while an outage is waited out and on redeliveries after a crash. */
  deliveries: number;
  /** How often the handler itself failed (this time included), outages not counted. */
  failures: number;
}

/** The one place that decides what happens to a message after its handler ran (or could not). */
export function settle(error: unknown, attempts: Attempts, policy: RetryPolicy): Settlement {
  if (error === undefined) return { action: 'ack' };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ContractViolation || error instanceof SyntaxError)
    return { action: 'dead_letter', reason: 'invalid', error: message };
  if (error instanceof PermanentError) return { action: 'dead_letter', reason: 'permanent_error', error: message };
  const backoff = (attempt: number) => policy.backoffMs[Math.min(attempt - 1, policy.backoffMs.length - 1)] ?? 1_000;
  // An outage is not the message's fault: wait it out, however long, without using up its failures,
  // so the first ordinary failure after a long outage is retried like any other.
  if (error instanceof DependencyUnavailableError) return { action: 'nak', delayMs: backoff(attempts.deliveries) };
  if (attempts.failures >= policy.maxDeliver) return { action: 'dead_letter', reason: 'handler_failed', error: message };
  return { action: 'nak', delayMs: backoff(attempts.failures) };
}
