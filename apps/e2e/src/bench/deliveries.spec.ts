import type { Delivery } from '../chaos/receiver';
import { deliveryStats, exactlyOnceFailure, forget, percentile } from './deliveries';

const at = (ms: number, key = 'k'): Delivery => ({ at: ms, idempotencyKey: key });

describe('delivery counting', () => {
  const sent = new Map([
    ['a', 1000],
    ['b', 1000],
    ['c', 2000],
    ['d', 2000],
  ]);
  const received = new Map<string, Delivery[]>([
    ['a firing', [at(1050)]],
    ['b firing', [at(1200), at(1300), at(1400, 'other')]],
    ['c firing', [at(2010)]],
    ['d resolved', [at(2500)]],
    ['z firing', [at(2600)]],
  ]);

  it('counts each alert sent as delivered, missing or duplicated, by kind', () => {
    const stats = deliveryStats(sent, received);
    expect(stats).toEqual({
      sent: 4,
      delivered: 3,
      missing: 1,
      duplicates: 2,
      duplicatedAlerts: 1,
      sameKeyDuplicates: 1,
      latenciesMs: [10, 50, 200],
      firstAt: 1050,
      lastAt: 2010,
    });
    expect(deliveryStats(sent, received, 'resolved')).toMatchObject({ delivered: 1, missing: 3, latenciesMs: [500] });
  });

  it('names every missing alert and every duplicate as a failure, and nothing when exactly once', () => {
    expect(exactlyOnceFailure(deliveryStats(sent, received))).toBe(
      "1 of 4 alerts NOT DELIVERED, 2 DUPLICATE deliveries (1 alerts; 1 with the first delivery's idempotency-key)",
    );
    expect(exactlyOnceFailure(deliveryStats(new Map([['a', 1000]]), received))).toBeUndefined();
  });

  it('forgets the deliveries of a finished window only', () => {
    const kept = new Map(received);
    forget(kept, ['a', 'b']);
    expect([...kept.keys()]).toEqual(['c firing', 'd resolved', 'z firing']);
  });

  it('takes percentiles of sorted samples, NaN of none', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 100), percentile([], 50)]).toEqual([
      51,
      100,
      100,
      Number.NaN,
    ]);
  });
});
