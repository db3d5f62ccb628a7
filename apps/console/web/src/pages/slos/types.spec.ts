import { formatDuration } from '../executions/types';
import { budgetSeries, byRemainingBudget, type Slo } from './types';

const slo = (id: string, remainingRatio: number | null) =>
  ({ id, errorBudget: remainingRatio === null ? null : { total: 1, consumed: 0, remaining: 1, remainingRatio } }) as Slo;

describe('the SLO pages', () => {
  it('sort SLOs by the budget left, lowest first, those without data last', () => {
    const sorted = [slo('b', 0.8), slo('none', null), slo('a', -0.5), slo('c', 0.1)].sort(byRemainingBudget);
    expect(sorted.map((one) => one.id)).toEqual(['a', 'c', 'b', 'none']);
  });

  it('chart the budget left as the events so far spend it, and each step’s burn rate', () => {
    const points = [
      { at: '2026-12-01T00:00:00.000Z', good: 0, total: 0 },
      { at: '2026-12-01T01:00:00.000Z', good: 99, total: 100 },
      { at: '2026-12-01T02:00:00.000Z', good: 97, total: 100 },
    ];
    const [times, remaining, rates] = budgetSeries(points, 0.99);
    expect(times).toEqual([Date.parse(points[0].at) / 1000, Date.parse(points[1].at) / 1000, Date.parse(points[2].at) / 1000]);
    // Untouched before the first event; one bad in 100 spends exactly the 1 % allowed; 4 in 200 twice that.
    expect(remaining.map((value) => Math.round(value))).toEqual([100, 0, -100]);
    expect(rates.map((value) => (value === null ? null : Number(value.toFixed(6))))).toEqual([null, 1, 3]);
  });

  it('write durations in the largest units that matter', () => {
    expect([450, 1500, 60_000, 61_000, 3_600_000, 5_400_000].map(formatDuration)).toEqual([
      '450 ms',
      '1.5 s',
      '1 m',
      '1 m 1 s',
      '1 h',
      '1 h 30 m',
    ]);
  });
});
