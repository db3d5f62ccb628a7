import { SendOutcome } from '../providers/provider';
import { backoffMs, nextStep } from './delivery-backoff';

const backoff = { maxAttempts: 5, baseMs: 1_000, maxMs: 60_000 };
const now = new Date('2025-01-01T00:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const noJitter = () => 0;

describe('delivery backoff', () => {
  it('marks a provider answer of 2xx sent', () => {
    expect(nextStep({ result: 'sent', status: 200, excerpt: 'ok' }, 1, backoff, now)).toEqual({ status: 'sent' });
  });

  it('waits exactly the provider hint after a 429 and pauses the channel as long', () => {
    const throttled: SendOutcome = { result: 'retry', reason: 'throttled', status: 429, error: 'HTTP 429', retryAfterMs: 7_000 };
    expect(nextStep(throttled, 1, backoff, now, noJitter)).toEqual({
      status: 'pending',
      nextAttemptAt: at(7_000),
      pauseChannelUntil: at(7_000),
    });
  });

  it('honours a hint longer than its own backoff cap, up to an hour', () => {
    const outcome: SendOutcome = { result: 'retry', reason: 'throttled', error: 'x', retryAfterMs: 600_000 };
    expect(nextStep(outcome, 1, backoff, now)).toMatchObject({ nextAttemptAt: at(600_000) });
    expect(nextStep({ ...outcome, retryAfterMs: 86_400_000 }, 1, backoff, now)).toMatchObject({ nextAttemptAt: at(3_600_000) });
  });

  it('backs off exponentially after 5xx and network errors, without pausing the channel', () => {
    const serverError: SendOutcome = { result: 'retry', reason: 'server_error', status: 503, error: 'HTTP 503' };
    expect(nextStep(serverError, 1, backoff, now, noJitter)).toEqual({ status: 'pending', nextAttemptAt: at(1_000) });
    expect(nextStep(serverError, 3, backoff, now, noJitter)).toEqual({ status: 'pending', nextAttemptAt: at(4_000) });
    expect(backoffMs(20, backoff, noJitter)).toBe(60_000);
    expect(backoffMs(1, backoff, () => 1)).toBe(1_100);
  });

  it('fails after the last attempt, and at once on a refusal that retrying cannot fix', () => {
    const serverError: SendOutcome = { result: 'retry', reason: 'network', error: 'ECONNREFUSED' };
    expect(nextStep(serverError, 5, backoff, now)).toEqual({ status: 'failed' });
    expect(nextStep({ result: 'reject', status: 400, error: 'HTTP 400' }, 1, backoff, now)).toEqual({ status: 'failed' });
  });

  it('does not let a throttling provider use up the attempts meant for outages, within a ceiling', () => {
    const throttled: SendOutcome = { result: 'retry', reason: 'throttled', status: 429, error: 'HTTP 429', retryAfterMs: 1_000 };
    expect(nextStep(throttled, 5, backoff, now, noJitter)).toMatchObject({ status: 'pending' });
    expect(nextStep(throttled, 49, backoff, now, noJitter)).toMatchObject({ status: 'pending' });
    expect(nextStep(throttled, 50, backoff, now, noJitter)).toEqual({ status: 'failed' });
  });
});
