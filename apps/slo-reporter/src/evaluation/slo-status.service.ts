import { Injectable } from '@nestjs/common';
import {
  Budget,
  BurnTier,
  Counts,
  errorBudget,
  evaluateTiers,
  promDuration,
  THIRTY_DAYS_MS,
  TierVerdict,
  tiersFor,
  windowsNeeded,
} from '../core/burn-math';
import { SloDefinition } from '../definitions/slo-definition';
import { IndicatorService } from '../indicators/indicator.service';

export interface SloStatus {
  slo: SloDefinition;
  at: Date;
  /** The SLO window this status covers: rolling, or the calendar month so far. */
  from: Date;
  periodMs: number;
  counts: Counts | null;
  /** good ÷ total over the SLO window, null without events. */
  compliance: number | null;
  budget: Budget | null;
  burnRates: Array<{ window: string; windowMs: number; rate: number | null; total: number | null }>;
  tiers: TierVerdict[];
  /**
   * Whether the indicator had data over the last noDataAfter (whole slices for Timeslices; the shortest
   * burn window when the SLO does not watch for no data): what the no-data alert watches. Judged over
   * the no-data window itself, so it does not flip with the second an evaluation runs at.
   */
  hasData: boolean;
}

/** Start of the UTC month of `at`, and the month's length. */
export function calendarMonth(at: Date): { from: Date; periodMs: number } {
  const from = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const next = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));
  return { from, periodMs: next.getTime() - from.getTime() };
}

export function sloPeriod(slo: SloDefinition, at: Date): { from: Date; periodMs: number } {
  if (slo.window.kind === 'rolling') return { from: new Date(at.getTime() - slo.window.ms), periodMs: slo.window.ms };
  return calendarMonth(at);
}

/** Windows are whole time slices for Timeslices, whole seconds otherwise. */
export function sloUnitMs(slo: SloDefinition): number {
  return slo.indicator.kind === 'threshold' ? slo.indicator.sliceMs : 1000;
}

export function sloTiers(slo: SloDefinition): BurnTier[] {
  return tiersFor(slo.window.kind === 'rolling' ? slo.window.ms : THIRTY_DAYS_MS, sloUnitMs(slo));
}

const roundUp = (ms: number, unit: number) => Math.max(1, Math.ceil(ms / unit - 1e-9)) * unit;

/** An SLO's budget, burn rates and tier verdicts at one moment. */
@Injectable()
export class SloStatusService {
  constructor(private readonly indicators: IndicatorService) {}

  async status(slo: SloDefinition, at: Date): Promise<SloStatus> {
    const { from, periodMs } = sloPeriod(slo, at);
    const tiers = sloTiers(slo);
    // Rolling SLOs also show the burn over their whole window (a calendar month's is its compliance).
    const windows = windowsNeeded(tiers, slo.window.kind === 'rolling' ? periodMs : 0).filter((ms) => ms > 0);
    const byWindow = new Map<number, Counts | null>();
    // Few windows (8), each one or two queries: concurrently.
    await Promise.all(windows.map(async (ms) => byWindow.set(ms, await this.indicators.counts(slo, new Date(at.getTime() - ms), at))));
    const counts = await this.indicators.counts(slo, from, at);
    const verdicts = evaluateTiers(tiers, { get: (ms) => byWindow.get(ms) ?? null }, slo.objective, slo.minEvents);
    const noDataMs = slo.noDataAfterMs === null ? windows[0] : roundUp(slo.noDataAfterMs, sloUnitMs(slo));
    const watched = byWindow.has(noDataMs)
      ? byWindow.get(noDataMs)!
      : await this.indicators.counts(slo, new Date(at.getTime() - noDataMs), at);
    return {
      slo,
      at,
      from,
      periodMs,
      counts,
      compliance: counts && counts.total > 0 ? counts.good / counts.total : null,
      budget: errorBudget(counts, slo.objective),
      burnRates: windows.map((ms) => {
        const window = byWindow.get(ms) ?? null;
        const total = window?.total ?? null;
        const rate = window && window.total > 0 ? (window.total - window.good) / window.total / (1 - slo.objective) : null;
        return { window: promDuration(ms), windowMs: ms, rate, total };
      }),
      tiers: verdicts,
      hasData: watched !== null && (slo.indicator.source === 'prometheus' || watched.total > 0),
    };
  }
}
