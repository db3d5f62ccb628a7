import { available, fullBucket, msUntilToken, refill, spend } from './token-bucket';

const limits = { perMinute: 10, burst: 20 };

describe('token bucket', () => {
  it('lets a quiet channel send its burst at once, then nothing', () => {
    let state = fullBucket(limits, 0);
    expect(available(state, 100)).toBe(20);
    state = spend(state, 20);
    expect(available(refill(state, limits, 0), 100)).toBe(0);
  });

  it('earns perMinute tokens a minute, in whole tokens only', () => {
    const empty = { tokens: 0, refilledAt: 0 };
    expect(available(refill(empty, limits, 5_999), 10)).toBe(0);
    expect(available(refill(empty, limits, 6_000), 10)).toBe(1);
    expect(available(refill(empty, limits, 60_000), 100)).toBe(10);
  });

  it('never holds more than burst, however long the channel was quiet', () => {
    expect(refill({ tokens: 0, refilledAt: 0 }, limits, 86_400_000).tokens).toBe(20);
  });

  it('keeps fractions between refills, so frequent polling loses nothing', () => {
    let state = { tokens: 0, refilledAt: 0 };
    for (let t = 1_000; t <= 6_000; t += 1_000) state = refill(state, limits, t);
    expect(available(state, 10)).toBe(1);
  });

  it('earns nothing when the clock goes back', () => {
    const state = refill({ tokens: 1.5, refilledAt: 10_000 }, limits, 5_000);
    expect(state).toEqual({ tokens: 1.5, refilledAt: 10_000 });
  });

  it('says how long until the next whole token', () => {
    expect(msUntilToken({ tokens: 0, refilledAt: 0 }, limits)).toBe(6_000);
    expect(msUntilToken({ tokens: 0.5, refilledAt: 0 }, limits)).toBe(3_000);
    expect(msUntilToken({ tokens: 1, refilledAt: 0 }, limits)).toBe(0);
  });

  it('grants at most what is asked for', () => {
    expect(available(fullBucket(limits, 0), 3)).toBe(3);
  });
});
