import type { Delivery } from '../chaos/receiver';
import { deliveryStats, percentile } from './deliveries';

/** The offered rates tried, in order, until one is not kept up with. */
export const RATE_LADDER = [200, 500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, 10_000];

/** What one step of the maximum-throughput search measured. */
export interface StepMeasurement {
  /** Target alerts/s. */
  offered: number;
  /** Alerts/s the sender actually got accepted (the ingress is part of the pipeline). */
  sentPerSec: number;
  /** Alerts/s arriving at the channel: delivered ÷ the longer of the send window and the delivery span. */
  deliveredPerSec: number;
  /** p50 latency of the alerts sent in the first and in the last third of the step. */
  firstThirdP50Ms: number;
  lastThirdP50Ms: number;
}

/**
 * A step's figures from what was sent (fingerprint → send time, from `firstSentAt` on for
 * `durationSec`) and what the receiver counted. Delivered rate: alerts delivered ÷ the longer of the
 * step and the span from first to last delivery (a pipeline that keeps up spans the step, one that
 * falls behind stretches it).
 */
export function measureStep(
  offered: number,
  durationSec: number,
  sent: { sentAt: ReadonlyMap<string, number>; firstSentAt: number; sentPerSec: number },
  deliveries: ReadonlyMap<string, Delivery[]>,
): StepMeasurement {
  const stats = deliveryStats(sent.sentAt, deliveries);
  const spanSec = stats.firstAt === undefined ? 0 : ((stats.lastAt ?? stats.firstAt) - stats.firstAt) / 1000;
  const firstThirdEnd = sent.firstSentAt + (durationSec * 1000) / 3;
  const lastThirdStart = sent.firstSentAt + (2 * durationSec * 1000) / 3;
  const p50Of = (keep: (at: number) => boolean) =>
    percentile(deliveryStats(new Map([...sent.sentAt].filter(([, at]) => keep(at))), deliveries).latenciesMs, 50);
  return {
    offered,
    sentPerSec: sent.sentPerSec,
    deliveredPerSec: stats.delivered / Math.max(durationSec, spanSec),
    firstThirdP50Ms: p50Of((at) => at < firstThirdEnd),
    lastThirdP50Ms: p50Of((at) => at >= lastThirdStart),
  };
}

export interface StepVerdict {
  keptUp: boolean;
  reason: string;
}

/** Below this share of the offered rate (sent or delivered) the pipeline is behind. */
export const KEEP_UP_SHARE = 0.95;
/** Latency "keeps growing" when the last third's p50 exceeds the first third's by this factor and slack. */
export const GROWTH_FACTOR = 2;
export const GROWTH_SLACK_MS = 100;

export function judgeStep(step: StepMeasurement): StepVerdict {
  const floor = KEEP_UP_SHARE * step.offered;
  if (step.sentPerSec < floor) return { keptUp: false, reason: `ingress took ${Math.round(step.sentPerSec)} alerts/s of ${step.offered}` };
  if (step.deliveredPerSec < floor)
    return { keptUp: false, reason: `delivered ${Math.round(step.deliveredPerSec)} alerts/s of ${step.offered}` };
  if (!(step.lastThirdP50Ms <= step.firstThirdP50Ms * GROWTH_FACTOR + GROWTH_SLACK_MS))
    return {
      keptUp: false,
      reason: `latency kept growing (p50 ${Math.round(step.firstThirdP50Ms)} → ${Math.round(step.lastThirdP50Ms)} ms)`,
    };
  return { keptUp: true, reason: 'kept up' };
}

/**
 * The highest rate of the ladder kept up with, stepping up from the bottom and stopping at the first
 * step that fell behind (0 when the first one did). `measure` runs one step.
 */
export async function findMaxRate(
  ladder: readonly number[],
  measure: (rate: number) => Promise<StepMeasurement>,
): Promise<{ maxRate: number; steps: Array<StepMeasurement & StepVerdict> }> {
  const steps: Array<StepMeasurement & StepVerdict> = [];
  let maxRate = 0;
  for (const rate of ladder) {
    const step = await measure(rate);
    const verdict = judgeStep(step);
    steps.push({ ...step, ...verdict });
    if (!verdict.keptUp) break;
    maxRate = rate;
  }
  return { maxRate, steps };
}
