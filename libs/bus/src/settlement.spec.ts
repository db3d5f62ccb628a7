import { ContractViolation } from '@firebreak/contracts';
import { DependencyUnavailableError, PermanentError, RetryableError } from './errors';
import { settle } from './settlement';

const policy = { maxDeliver: 4, backoffMs: [100, 500] };
/** The n-th delivery, the handler having failed on every one of them. */
const at = (n: number) => ({ deliveries: n, failures: n });

describe('settle', () => {
  it('acks a handled message', () => {
    expect(settle(undefined, at(1), policy)).toEqual({ action: 'ack' });
  });

  it('naks a failure with the backoff of its delivery, repeating the last step', () => {
    expect(settle(new RetryableError('db down'), at(1), policy)).toEqual({ action: 'nak', delayMs: 100 });
    expect(settle(new Error('boom'), at(2), policy)).toEqual({ action: 'nak', delayMs: 500 });
    expect(settle(new Error('boom'), at(3), policy)).toEqual({ action: 'nak', delayMs: 500 });
  });

  it('dead-letters on the last allowed delivery', () => {
    expect(settle(new Error('still broken'), at(4), policy)).toEqual({
      action: 'dead_letter',
      reason: 'handler_failed',
      error: 'still broken',
    });
  });

  it('dead-letters invalid data and permanent errors at once', () => {
    expect(settle(new ContractViolation('alerts.received', ['data.alert: Required']), at(1), policy)).toMatchObject({
      action: 'dead_letter',
      reason: 'invalid',
    });
    expect(settle(new SyntaxError('Unexpected token'), at(1), policy)).toMatchObject({ action: 'dead_letter', reason: 'invalid' });
    expect(settle(new PermanentError('unknown runbook'), at(1), policy)).toMatchObject({
      action: 'dead_letter',
      reason: 'permanent_error',
    });
  });

  it('keeps retrying through a dependency outage, past the last delivery', () => {
    const outage = new DependencyUnavailableError('postgres', { cause: new Error('connect ECONNREFUSED') });
    expect(settle(outage, at(4), policy)).toEqual({ action: 'nak', delayMs: 500 });
    expect(settle(outage, at(40), policy)).toEqual({ action: 'nak', delayMs: 500 });
  });

  it('counts handler failures, not deliveries: after a long outage the first ordinary failure is retried', () => {
    expect(settle(new Error('boom'), { deliveries: 60, failures: 1 }, policy)).toEqual({ action: 'nak', delayMs: 100 });
    expect(settle(new Error('boom'), { deliveries: 63, failures: 4 }, policy)).toMatchObject({
      action: 'dead_letter',
      reason: 'handler_failed',
    });
  });
});
