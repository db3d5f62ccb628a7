import { Inject, Injectable } from '@nestjs/common';
import { AppError, CLOCK, Clock } from '@firebreak/platform';
import { SloCatalog } from '../definitions/slo-catalog';
import { SloDefinition } from '../definitions/slo-definition';
import { IndicatorService, meets } from '../indicators/indicator.service';

const DAY = 86_400_000;
/** As /slo/summary: a longer range would send Prometheus increase(..[366d]) per SLO for one answer. */
const MAX_RANGE_DAYS = 90;

export type TargetResult =
  | { pass: boolean | null; actual_pct: number | null; target_pct: number }
  | { pass: boolean | null; actual_p95_ms: number | null; target_p95_ms: number };

export type ComplianceReport = {
  status: 'ok' | 'no_data';
  d_from: string;
  d_to: string;
  days_analyzed: number;
  overall_pass: boolean;
} & Record<string, unknown>;

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/**
 * Seed 004's compliance answer: per SLO, the ratio (or, for a latency threshold, the value) over whole
 * UTC days from d_from to d_to (today counts up to now), and whether every SLO with data passes.
 */
@Injectable()
export class ComplianceService {
  constructor(
    private readonly catalog: SloCatalog,
    private readonly indicators: IndicatorService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async summary(days: number): Promise<ComplianceReport> {
    const today = isoDay(this.clock.now());
    const from = isoDay(new Date(Date.parse(`${today}T00:00:00Z`) - (days - 1) * DAY));
    return this.range(from, today);
  }

  async range(dateFrom?: string, dateTo?: string): Promise<ComplianceReport> {
    const now = this.clock.now();
    const dTo = dateTo ?? isoDay(now);
    const dFrom = dateFrom ?? isoDay(new Date(Date.parse(`${dTo}T00:00:00Z`) - 6 * DAY));
    const from = new Date(`${dFrom}T00:00:00Z`);
    const end = Math.min(Date.parse(`${dTo}T00:00:00Z`) + DAY, now.getTime());
    if (from.getTime() >= now.getTime())
      throw new AppError('invalid_query', 'date_from is in the future: there is nothing to analyse yet', 400, { date_from: dFrom });
    if (from.getTime() > Date.parse(`${dTo}T00:00:00Z`))
      throw new AppError('invalid_query', 'date_from must not be after date_to', 400, { date_from: dFrom, date_to: dTo });
    const daysAnalyzed = Math.ceil((end - from.getTime()) / DAY);
    if (daysAnalyzed > MAX_RANGE_DAYS)
      throw new AppError('invalid_query', `a range covers at most ${MAX_RANGE_DAYS} days`, 400, { date_from: dFrom, date_to: dTo });
    const to = new Date(end);
    const report: ComplianceReport = { status: 'ok', d_from: dFrom, d_to: dTo, days_analyzed: daysAnalyzed, overall_pass: true };
    let withData = 0;
    for (const slo of this.catalog.all) {
      const result = await this.target(slo, from, to);
      report[slo.id] = result;
      if (result.pass !== null) withData++;
      if (result.pass === false) report.overall_pass = false;
    }
    // With no data at all, "pass" would claim what nobody measured.
    if (withData === 0 && this.catalog.all.length > 0) {
      report.status = 'no_data';
      report.overall_pass = false;
    }
    return report;
  }

  private async target(slo: SloDefinition, from: Date, to: Date): Promise<TargetResult> {
    const indicator = slo.indicator;
    if (indicator.kind === 'threshold') {
      const value = await this.indicators.value(slo, from, to);
      const pass = value === null ? null : meets(indicator, value);
      // Prometheus latencies are seconds; seed 004 reports milliseconds.
      return { pass, actual_p95_ms: value === null ? null : round(value * 1000, 1), target_p95_ms: round(indicator.value * 1000, 1) };
    }
    const counts = await this.indicators.counts(slo, from, to);
    const actual = counts && counts.total > 0 ? (counts.good / counts.total) * 100 : null;
    const target = slo.objective * 100;
    return {
      pass: actual === null ? null : actual >= target - 1e-9,
      actual_pct: actual === null ? null : round(actual, 3),
      target_pct: round(target, 3),
    };
  }
}
