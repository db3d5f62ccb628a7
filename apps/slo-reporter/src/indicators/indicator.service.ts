import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { Counts, promDuration } from '../core/burn-math';
import { Signal } from '../core/signals';
import { Indicator, SloDefinition, WINDOW_PLACEHOLDER } from '../definitions/slo-definition';
import { EventCountingService } from '../events/event-counting.service';
import { SloConfig } from '../service';
import { PrometheusClient } from './prometheus-client';

export interface SeriesPoint {
  at: string;
  good: number;
  total: number;
  /** good ÷ total, null without events. */
  ratio: number | null;
}

type ThresholdIndicator = Extract<Indicator, { kind: 'threshold' }>;

/** Good and total counts of an SLO over a time range, from the bus counts or from Prometheus. */
@Injectable()
export class IndicatorService {
  private readonly prometheus: PrometheusClient;

  constructor(
    private readonly events: EventCountingService,
    @Inject(CONFIG) config: SloConfig,
  ) {
    this.prometheus = new PrometheusClient(config.PROMETHEUS_URL, config.FIREBREAK_PROMETHEUS_TIMEOUT_MS);
  }

  /** Counts over [from, to): events, or time slices for a threshold indicator. Null: no data at all. */
  async counts(slo: SloDefinition, from: Date, to: Date): Promise<Counts | null> {
    const indicator = slo.indicator;
    const windowMs = to.getTime() - from.getTime();
    if (indicator.source === 'firebreak') {
      const signals = [...indicator.total, ...(indicator.good ?? []), ...(indicator.bad ?? [])];
      const sums = await this.events.sums(signals, from, to);
      const sum = (list: Signal[]) => list.reduce((total, signal) => total + (sums.get(signal) ?? 0), 0);
      const total = sum(indicator.total);
      const good = indicator.good ? sum(indicator.good) : total - sum(indicator.bad ?? []);
      return { good, total };
    }
    if (indicator.kind === 'ratio') {
      const window = promDuration(windowMs);
      const [total, part] = await Promise.all([
        this.prometheus.instant(fill(indicator.total, window), to),
        this.prometheus.instant(fill((indicator.good ?? indicator.bad)!, window), to),
      ]);
      if (total === null) return null;
      // A good/bad query with no series while the total has some means none of them: zero.
      const good = indicator.good ? (part ?? 0) : total - (part ?? 0);
      return { good, total };
    }
    const slices = await this.slices(indicator, from, to);
    if (slices.length === 0) return null;
    return { good: slices.filter((slice) => meets(indicator, slice.value)).length, total: slices.length };
  }

  /** A threshold indicator's value over the whole range (e.g. the p95 of the range), null without data. */
  async value(slo: SloDefinition, from: Date, to: Date): Promise<number | null> {
    if (slo.indicator.kind !== 'threshold') return null;
    return this.prometheus.instant(fill(slo.indicator.query, promDuration(to.getTime() - from.getTime())), to);
  }

  /** Good and total per step, for charts. */
  async series(slo: SloDefinition, from: Date, to: Date, stepMs: number): Promise<SeriesPoint[]> {
    const indicator = slo.indicator;
    const points = new Map<number, { good: number; total: number }>();
    for (let at = from.getTime(); at < to.getTime(); at += stepMs) points.set(at, { good: 0, total: 0 });
    if (indicator.source === 'firebreak') {
      const signals = [...indicator.total, ...(indicator.good ?? []), ...(indicator.bad ?? [])];
      for (const row of await this.events.series(signals, from, to, stepMs)) {
        const point = points.get(row.at.getTime());
        if (!point) continue;
        if (indicator.total.includes(row.signal)) point.total += row.count;
        if (indicator.good?.includes(row.signal)) point.good += row.count;
        if (indicator.bad?.includes(row.signal)) point.good -= row.count;
      }
      if (!indicator.good) for (const point of points.values()) point.good += point.total;
    } else if (indicator.kind === 'ratio') {
      // Each point covers the step that ends at it, so the range queries are evaluated at step ends.
      const window = promDuration(stepMs);
      const end = new Date(to.getTime());
      const start = new Date(from.getTime() + stepMs);
      const [totals, parts] = await Promise.all([
        this.prometheus.range(fill(indicator.total, window), start, end, stepMs),
        this.prometheus.range(fill((indicator.good ?? indicator.bad)!, window), start, end, stepMs),
      ]);
      const partAt = new Map(parts.map((sample) => [sample.at.getTime(), sample.value]));
      for (const sample of totals) {
        const point = points.get(sample.at.getTime() - stepMs);
        if (!point) continue;
        const part = partAt.get(sample.at.getTime()) ?? 0;
        point.total = sample.value;
        point.good = indicator.good ? part : sample.value - part;
      }
    } else {
      // One range query over the whole series (Prometheus chunks aside), not one per point: each slice
      // counts in the step it started in.
      for (const slice of await this.slices(indicator, from, to)) {
        const start = slice.at.getTime() - indicator.sliceMs;
        const point = points.get(from.getTime() + Math.floor((start - from.getTime()) / stepMs) * stepMs);
        if (!point) continue;
        point.total += 1;
        if (meets(indicator, slice.value)) point.good += 1;
      }
    }
    return [...points.entries()].map(([at, point]) => ({
      at: new Date(at).toISOString(),
      good: point.good,
      total: point.total,
      ratio: point.total > 0 ? point.good / point.total : null,
    }));
  }

  /**
   * The slices of [from, to): the last ⌊(to − from) ÷ slice⌋ whole slices that ended by `to`. Slices end on
   * multiples of their length and a slice's value is evaluated at its end over its own length. A window
   * of N slices so always holds N of them whatever second it is asked at (a window starting mid-slice
   * used to hold N − 1: 7 minutes counted 6 slices, 7 days 10,079).
   */
  private slices(indicator: ThresholdIndicator, from: Date, to: Date) {
    const slice = indicator.sliceMs;
    const count = Math.floor((to.getTime() - from.getTime()) / slice + 1e-9);
    if (count < 1) return Promise.resolve([]);
    const lastEnd = Math.floor(to.getTime() / slice) * slice;
    const firstEnd = lastEnd - (count - 1) * slice;
    return this.prometheus.range(fill(indicator.query, promDuration(slice)), new Date(firstEnd), new Date(lastEnd), slice);
  }
}

export function fill(query: string, window: string): string {
  return query.split(WINDOW_PLACEHOLDER).join(window);
}

export function meets(indicator: ThresholdIndicator, value: number): boolean {
  switch (indicator.op) {
    case 'lt':
      return value < indicator.value;
    case 'lte':
      return value <= indicator.value;
    case 'gt':
      return value > indicator.value;
    case 'gte':
      return value >= indicator.value;
  }
}
