import {
  budgetSpentAtThreshold,
  burnRate,
  errorBudget,
  errorRatio,
  evaluateTiers,
  promDuration,
  THIRTY_DAYS_MS,
  tiersFor,
  TIERS_30D,
  windowsNeeded,
} from './burn-math';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('error ratio and burn rate', () => {
  it('is bad ÷ total and error ratio ÷ (1 − objective)', () => {
    // 1,000 requests, 990 good: 10 bad = 1 %; against 99.9 % the budget is 0.1 %, so 10× the sustainable rate.
    expect(errorRatio({ good: 990, total: 1000 })).toBeCloseTo(0.01, 12);
    expect(burnRate({ good: 990, total: 1000 }, 0.999)).toBeCloseTo(10, 9);
    // 0.5 % bad against a 99 % objective: half the budget rate.
    expect(burnRate({ good: 995, total: 1000 }, 0.99)).toBeCloseTo(0.5, 9);
  });

  it('is null, never NaN or Infinity, without events', () => {
    expect(errorRatio({ good: 0, total: 0 })).toBeNull();
    expect(burnRate(null, 0.99)).toBeNull();
  });
});

describe('error budget', () => {
  it('counts the bad events the objective allows, what was spent and what is left', () => {
    // 200,000 events at 99.5 %: 1,000 may fail; 250 did → 750 left, 75 %.
    expect(errorBudget({ good: 199_750, total: 200_000 }, 0.995)).toEqual({
      total: expect.closeTo(1000, 6),
      consumed: 250,
      remaining: expect.closeTo(750, 6),
      remainingRatio: expect.closeTo(0.75, 9),
    });
  });

  it('goes negative when overspent', () => {
    // 100 events at 99 %: 1 may fail; 3 did → −2 left, −200 %.
    const budget = errorBudget({ good: 97, total: 100 }, 0.99)!;
    expect(budget.remaining).toBeCloseTo(-2, 9);
    expect(budget.remainingRatio).toBeCloseTo(-2, 9);
  });
});

describe('burn tiers', () => {
  it('are the workbook and Sloth tiers for 30 days', () => {
    expect(TIERS_30D.map((tier) => [tier.id, tier.factor, promDuration(tier.longMs), promDuration(tier.shortMs)])).toEqual([
      ['page-fast', 14.4, '1h', '5m'],
      ['page-slow', 6, '6h', '30m'],
      ['ticket-fast', 3, '1d', '2h'],
      ['ticket-slow', 1, '3d', '6h'],
    ]);
    // Threshold = budget fraction × period ÷ long window: 14.4 × 1 h ÷ 720 h = 2 %, 6 × 6 h ÷ 720 h = 5 %, 1 × 72 h ÷ 720 h = 10 %.
    expect(TIERS_30D.map((tier) => budgetSpentAtThreshold(tier, THIRTY_DAYS_MS))).toEqual([0.02, 0.05, 0.1, 0.1]);
  });

  it('scale their windows with the SLO window and keep the budget fraction', () => {
    const sevenDays = tiersFor(7 * DAY);
    // 1 h × 7/30 = 14 min; 5 m × 7/30 = 70 s; 3 d × 7/30 = 16.8 h.
    expect(sevenDays.map((tier) => [promDuration(tier.longMs), promDuration(tier.shortMs)])).toEqual([
      ['14m', '1m10s'],
      ['1h24m', '7m'],
      ['5h36m', '28m'],
      ['16h48m', '1h24m'],
    ]);
    expect(sevenDays.map((tier) => budgetSpentAtThreshold(tier, 7 * DAY))).toEqual([0.02, 0.05, 0.1, 0.1].map((v) => expect.closeTo(v, 9)));
    expect(tiersFor(THIRTY_DAYS_MS)).toEqual(TIERS_30D);
  });

  it('round up to whole time slices, at least one, for Timeslices', () => {
    // 7 days over 1-minute slices: 70 s → 2 slices; the other windows are whole minutes already.
    expect(tiersFor(7 * DAY, 60_000).map((tier) => [promDuration(tier.longMs), promDuration(tier.shortMs)])).toEqual([
      ['14m', '2m'],
      ['1h24m', '7m'],
      ['5h36m', '28m'],
      ['16h48m', '1h24m'],
    ]);
    // 1 day over 5-minute slices: 5 m ÷ 30 = 10 s → one slice; 1 h ÷ 30 = 2 m → one; 3 d ÷ 30 = 2.4 h → 2 h 25 m.
    expect(tiersFor(DAY, 300_000).map((tier) => [promDuration(tier.longMs), promDuration(tier.shortMs)])).toEqual([
      ['5m', '5m'],
      ['15m', '5m'],
      ['50m', '5m'],
      ['2h25m', '15m'],
    ]);
  });

  it('fire only when both windows burn at least the factor', () => {
    const tiers = tiersFor(THIRTY_DAYS_MS);
    // Objective 99.9 %: 2 % errors = 20×; 1 % = 10×; 0.5 % = 5×.
    const windows = new Map<number, { good: number; total: number }>([
      [5 * 60_000, { good: 980, total: 1000 }],
      [HOUR, { good: 9800, total: 10_000 }],
      [30 * 60_000, { good: 4950, total: 5000 }],
      [6 * HOUR, { good: 59_700, total: 60_000 }],
      [2 * HOUR, { good: 19_900, total: 20_000 }],
      [DAY, { good: 239_280, total: 240_000 }],
      [6 * HOUR + 1, { good: 0, total: 0 }],
    ]);
    const verdicts = evaluateTiers(tiers, { get: (ms) => windows.get(ms) ?? null }, 0.999, 10);
    expect(verdicts.map((verdict) => [verdict.tier.id, verdict.longBurn, verdict.shortBurn, verdict.firing])).toEqual([
      ['page-fast', expect.closeTo(20, 9), expect.closeTo(20, 9), true],
      // 6 h burns 5× (< 6): the long window holds it back although the short one burns 10×.
      ['page-slow', expect.closeTo(5, 9), expect.closeTo(10, 9), false],
      // 1 d: 720 of 240,000 = 0.3 % = 3×; 2 h: 0.5 % = 5×: fires.
      ['ticket-fast', expect.closeTo(3, 9), expect.closeTo(5, 9), true],
      // 3 d has no data: no verdict.
      ['ticket-slow', null, expect.closeTo(5, 9), false],
    ]);
  });

  it('do not fire below minEvents in the short window (the low-traffic guard)', () => {
    const tiers = tiersFor(THIRTY_DAYS_MS).slice(0, 1);
    // 1 of 4 failed: 25 % = 250× the budget, yet only 4 events in 5 minutes.
    const few = { good: 3, total: 4 };
    const [verdict] = evaluateTiers(tiers, { get: () => few }, 0.999, 10);
    expect(verdict).toMatchObject({ firing: false, guarded: true, longBurn: expect.closeTo(250, 9) });
    expect(evaluateTiers(tiers, { get: () => few }, 0.999, 4)[0].firing).toBe(true);
  });

  it('need every window once, and the SLO window', () => {
    expect(windowsNeeded(TIERS_30D, THIRTY_DAYS_MS).map(promDuration)).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d']);
  });
});
