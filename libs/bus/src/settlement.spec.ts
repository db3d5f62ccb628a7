import { ContractViolation } from '@firebreak/contracts';
import { DependencyUnavailableError, PermanentError, RetryableError } from './errors';
import { settle } from './settlement';

const policy = { maxDeliver: 4, backoffMs: [100, 500] };

describe('settle', () => {
  it('acks a handled message', () => {
    expect(settle(undefined, 1, policy)).toEqual({ action: 'ack' });
  });

  it('naks a failure with the backoff of its delivery, repeating the last step', () => {
    expect(settle(new RetryableError('db down'), 1, policy)).toEqual({ action: 'nak', delayMs: 100 });
    expect(settle(new Error('boom'), 2, policy)).toEqual({ action: 'nak', delayMs: 500 });
    expect(settle(new Error('boom'), 3, policy)).toEqual({ action: 'nak', delayMs: 500 });
  });

  it('dead-letters on the last allowed delivery', () => {
    expect(settle(new Error('still broken'), 4, policy)).toEqual({ action: 'dead_letter', reason: 'handler_failed', error: 'still broken' });
  });

  it('dead-letters invalid data and permanent errors at once', () => {
    expect(settle(new ContractViolation('alerts.received', ['data.alert: Required']), 1, policy)).toMatchObject({ action: 'dead_letter', reason: 'invalid' });
    expect(settle(new SyntaxError('Unexpected token'), 1, policy)).toMatchObject({ action: 'dead_letter', reason: 'invalid' });
    expect(settle(new PermanentError('unknown runbook'), 1, policy)).toMatchObject({ action: 'dead_letter', reason: 'permanent_error' });
  });

  it('keeps retrying through a dependency outage, past the last delivery', () => {
    const outage = new DependencyUnavailableError('postgres', { cause: new Error('connect ECONNREFUSED') });
    expect(settle(outage, 4, policy)).toEqual({ action: 'nak', delayMs: 500 });
    expect(settle(outage, 40, policy)).toEqual({ action: 'nak', delayMs: 500 });
  });
});
