import type { Delivery } from '../chaos/receiver';
import { findMaxRate, judgeStep, measureStep, StepMeasurement } from './stepping';

const steady = (offered: number): StepMeasurement => ({
  offered,
  sentPerSec: offered,
  deliveredPerSec: offered * 0.99,
  firstThirdP50Ms: 30,
  lastThirdP50Ms: 35,
});

describe('maximum throughput stepping', () => {
  it('keeps a step that delivered at least 95 % of the offered rate with flat latency', () => {
    expect(judgeStep(steady(1000))).toEqual({ keptUp: true, reason: 'kept up' });
    expect(judgeStep({ ...steady(1000), deliveredPerSec: 950 }).keptUp).toBe(true);
  });

  it('calls a step behind when delivery falls under 95 % of the offered rate', () => {
    expect(judgeStep({ ...steady(1000), deliveredPerSec: 949 })).toEqual({ keptUp: false, reason: 'delivered 949 alerts/s of 1000' });
  });

  it('calls a step behind when the ingress took less than 95 % of what was offered', () => {
    expect(judgeStep({ ...steady(2000), sentPerSec: 1500 })).toEqual({ keptUp: false, reason: 'ingress took 1500 alerts/s of 2000' });
  });

  it('calls a step behind when latency keeps growing within it, though the rate held', () => {
    expect(judgeStep({ ...steady(1000), firstThirdP50Ms: 40, lastThirdP50Ms: 400 })).toEqual({
      keptUp: false,
      reason: 'latency kept growing (p50 40 → 400 ms)',
    });
    // Noise on a small latency is not growth.
    expect(judgeStep({ ...steady(1000), firstThirdP50Ms: 10, lastThirdP50Ms: 110 }).keptUp).toBe(true);
    // Nothing delivered in the last third: no latency to compare is not a pass.
    expect(judgeStep({ ...steady(1000), lastThirdP50Ms: Number.NaN }).keptUp).toBe(false);
  });

  it('steps up until the first step behind and reports the last rate kept up with', async () => {
    const tried: number[] = [];
    const result = await findMaxRate([500, 1000, 2000, 3000], async (rate) => {
      tried.push(rate);
      return rate >= 2000 ? { ...steady(rate), deliveredPerSec: 1200 } : steady(rate);
    });
    expect(tried).toEqual([500, 1000, 2000]);
    expect(result.maxRate).toBe(1000);
    expect(result.steps.map((step) => step.keptUp)).toEqual([true, true, false]);
  });

  it('reports 0 when even the first step fell behind, and the top of the ladder when none did', async () => {
    expect((await findMaxRate([500, 1000], async (rate) => ({ ...steady(rate), deliveredPerSec: 10 }))).maxRate).toBe(0);
    expect((await findMaxRate([500, 1000], async (rate) => steady(rate))).maxRate).toBe(1000);
  });
});

describe('a step measured from sends and deliveries', () => {
  // 30 alerts over 3 s from t0 = 1.7e12 ms (a real clock: timestamps past 2^31).
  const t0 = 1_700_000_000_000;
  const sentAt = new Map(Array.from({ length: 30 }, (_, i) => [`f${i}`, t0 + i * 100] as [string, number]));
  const deliveredAfter = (latency: (i: number) => number) =>
    new Map<string, Delivery[]>(
      [...sentAt].map(([fingerprint, at], i) => [`${fingerprint} firing`, [{ at: at + latency(i), idempotencyKey: 'k' }]]),
    );

  it('reads a pipeline that kept up: the offered rate delivered, flat latency per third', () => {
    const step = measureStep(
      10,
      3,
      { sentAt, firstSentAt: t0, sentPerSec: 10 },
      deliveredAfter(() => 40),
    );
    expect(step).toEqual({ offered: 10, sentPerSec: 10, deliveredPerSec: 10, firstThirdP50Ms: 40, lastThirdP50Ms: 40 });
    expect(judgeStep(step).keptUp).toBe(true);
  });

  it('reads a pipeline falling behind: deliveries stretched past the step, latency growing', () => {
    const step = measureStep(
      10,
      3,
      { sentAt, firstSentAt: t0, sentPerSec: 10 },
      deliveredAfter((i) => 50 + i * 200),
    );
    // First delivery at 50 ms, last at 2.9 s + 5.85 s: 30 alerts over 8.7 s.
    expect(step.deliveredPerSec).toBeCloseTo(30 / 8.7, 5);
    expect([step.firstThirdP50Ms, step.lastThirdP50Ms]).toEqual([1050, 5050]);
    expect(judgeStep(step).keptUp).toBe(false);
  });

  it('counts only what arrived: undelivered alerts lower the rate', () => {
    const some = deliveredAfter(() => 40);
    for (let i = 0; i < 10; i++) some.delete(`f${i} firing`);
    expect(measureStep(10, 3, { sentAt, firstSentAt: t0, sentPerSec: 10 }, some).deliveredPerSec).toBeCloseTo(20 / 3, 5);
  });
});
