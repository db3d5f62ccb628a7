import { sampleAlertReceived } from '@firebreak/testing';
import { clampFutureTimes } from './future-times';

const FIVE_MINUTES = 300_000;
const receivedAt = '2025-03-01T12:00:00.000Z';

function received(startsAt: string, endsAt: string | null) {
  const base = sampleAlertReceived({ fingerprint: '0123456789abcdef' });
  return { ...base, receivedAt, alert: { ...base.alert, status: endsAt ? ('resolved' as const) : ('firing' as const), startsAt, endsAt } };
}

describe('clampFutureTimes', () => {
  it('leaves times in the past and within the skew alone', () => {
    const input = received('2025-03-01T11:00:00.000Z', '2025-03-01T12:04:59.000Z');
    expect(clampFutureTimes(input, FIVE_MINUTES)).toEqual({ received: input, clamped: [] });
  });

  it('makes a start far in the future the receipt time', () => {
    const { received: out, clamped } = clampFutureTimes(received('9999-12-31T23:59:59.000Z', null), FIVE_MINUTES);
    expect(clamped).toEqual(['startsAt']);
    expect(out.alert.startsAt).toBe(receivedAt);
    expect(out.alert.endsAt).toBeNull();
  });

  it('makes a resolved end far in the future the receipt time', () => {
    const { received: out, clamped } = clampFutureTimes(received('2025-03-01T11:00:00.000Z', '9999-12-31T23:59:59.000Z'), FIVE_MINUTES);
    expect(clamped).toEqual(['endsAt']);
    expect(out.alert.endsAt).toBe(receivedAt);
    expect(out.alert.startsAt).toBe('2025-03-01T11:00:00.000Z');
  });

  it('clamps both when both are beyond the skew', () => {
    const { clamped } = clampFutureTimes(received('2025-03-01T12:06:00.000Z', '2025-03-01T12:07:00.000Z'), FIVE_MINUTES);
    expect(clamped).toEqual(['startsAt', 'endsAt']);
  });
});
