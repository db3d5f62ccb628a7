// Shapes of the slo-reporter's API (apps/slo-reporter/src/reports/slos.service.ts, compliance.service.ts).

export interface Budget {
  total: number;
  consumed: number;
  remaining: number;
  /** 1 untouched, 0 spent, negative overspent. */
  remainingRatio: number;
}

export interface Tier {
  tier: string;
  factor: number;
  longWindow?: string;
  shortWindow?: string;
  longBurn: number | null;
  shortBurn: number | null;
  firing: boolean;
  guardedByMinEvents: boolean;
}

export interface Slo {
  id: string;
  displayName?: string | null;
  service?: string | null;
  description?: string | null;
  objective: number;
  window: string;
  budgetingMethod: string;
  source: string;
  status: string;
  compliance: number | null;
  events: { good: number; total: number } | null;
  errorBudget: Budget | null;
  burnRates: Array<{ window: string; rate: number | null; events: number | null }>;
  tiers: Tier[];
  alerts: Array<{ kind: string; since: string }>;
}

export interface SeriesPoint {
  at: string;
  good: number;
  total: number;
}

export interface SloDetail extends Slo {
  series: { step: '1h' | '6h' | '1d'; points: SeriesPoint[] };
}

export type ComplianceTarget =
  | { pass: boolean | null; actual_pct: number | null; target_pct: number }
  | { pass: boolean | null; actual_p95_ms: number | null; target_p95_ms: number };

export const percent = (ratio: number | null | undefined, digits = 2) =>
  ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(digits)} %`;

export const burn = (rate: number | null | undefined) => (rate === null || rate === undefined ? '—' : `${rate.toFixed(2)}×`);

/** Lowest remaining budget first; SLOs without data (no budget yet) last. */
export function byRemainingBudget(a: Slo, b: Slo): number {
  const left = a.errorBudget?.remainingRatio ?? Number.POSITIVE_INFINITY;
  const right = b.errorBudget?.remainingRatio ?? Number.POSITIVE_INFINITY;
  return left === right ? a.id.localeCompare(b.id) : left - right;
}

/**
 * The chart's columns from the API's good/total series: the budget left (counted as the API counts
 * it, a share of the events so far; untouched, 100 %, before the first event) and each step's burn
 * rate (its error ratio ÷ the allowed one; a gap where a step had no events).
 */
export function budgetSeries(points: SeriesPoint[], objective: number): [number[], number[], Array<number | null>] {
  const allowed = 1 - objective;
  const times: number[] = [];
  const remaining: number[] = [];
  const rates: Array<number | null> = [];
  let bad = 0;
  let total = 0;
  for (const point of points) {
    const stepBad = Math.max(0, point.total - point.good);
    bad += stepBad;
    total += point.total;
    times.push(Date.parse(point.at) / 1000);
    remaining.push(total > 0 ? (1 - bad / (allowed * total)) * 100 : 100);
    rates.push(point.total > 0 ? stepBad / point.total / allowed : null);
  }
  return [times, remaining, rates];
}
