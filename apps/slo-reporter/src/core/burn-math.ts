/**
 * The error-budget and burn-rate arithmetic of the SRE workbook (chapter 5, "Alerting on SLOs"), without
 * I/O: every number here is checked by hand in burn-math.spec.ts.
 *
 *   error budget  = 1 − objective
 *   burn rate     = error ratio ÷ error budget     (1× spends exactly the budget over the SLO window)
 *   threshold     = budget fraction × period ÷ long window
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const THIRTY_DAYS_MS = 30 * DAY;

export type TierId = 'page-fast' | 'page-slow' | 'ticket-fast' | 'ticket-slow';

export interface BurnTier {
  /** Stable across versions: Alertmanager inhibitions match on it (`burnrate_tier`). */
  id: TierId;
  action: 'page' | 'ticket';
  factor: number;
  longMs: number;
  shortMs: number;
}

/** The workbook's page and ticket tiers plus Sloth's 1 d / 2 h ticket, for a 30-day SLO window; fastest first. */
export const TIERS_30D: readonly BurnTier[] = [
  { id: 'page-fast', action: 'page', factor: 14.4, longMs: HOUR, shortMs: 5 * MINUTE },
  { id: 'page-slow', action: 'page', factor: 6, longMs: 6 * HOUR, shortMs: 30 * MINUTE },
  { id: 'ticket-fast', action: 'ticket', factor: 3, longMs: DAY, shortMs: 2 * HOUR },
  { id: 'ticket-slow', action: 'ticket', factor: 1, longMs: 3 * DAY, shortMs: 6 * HOUR },
];

/**
 * The tiers for another SLO window: every window scales with the period and the factors stay, so each
 * tier still fires after spending the same fraction of the budget (factor × long ÷ period is unchanged:
 * 14.4 × 1 h ÷ 30 d = 2 %). Windows are rounded up to whole `unitMs` and are at least one unit: whole
 * seconds for Occurrences (Prometheus takes them as durations), whole time slices for Timeslices (a
 * window of 70 s over 1-minute slices would hold one slice or none depending on the second it is asked).
 */
export function tiersFor(periodMs: number, unitMs = 1000): BurnTier[] {
  const scale = periodMs / THIRTY_DAYS_MS;
  // The tolerance keeps float noise (70,000.00000001) from adding a whole unit.
  const round = (ms: number) => Math.max(1, Math.ceil((ms * scale) / unitMs - 1e-9)) * unitMs;
  return TIERS_30D.map((tier) => ({ ...tier, longMs: round(tier.longMs), shortMs: round(tier.shortMs) }));
}

/** Fraction of the whole budget a tier has spent when it fires: factor × long window ÷ period. */
export function budgetSpentAtThreshold(tier: BurnTier, periodMs: number): number {
  return (tier.factor * tier.longMs) / periodMs;
}

export interface Counts {
  good: number;
  total: number;
}

/** Bad ÷ total; null when nothing was counted (no NaN or ±Inf, the trap Sloth users hit on quiet services). */
export function errorRatio(counts: Counts | null): number | null {
  if (!counts || !(counts.total > 0)) return null;
  const bad = Math.min(counts.total, Math.max(0, counts.total - counts.good));
  return bad / counts.total;
}

export function burnRate(counts: Counts | null, objective: number): number | null {
  const ratio = errorRatio(counts);
  return ratio === null ? null : ratio / (1 - objective);
}

export interface Budget {
  /** Events the budget allows over the window (error budget × total), or the fraction 1 − objective for timeslices. */
  total: number;
  consumed: number;
  remaining: number;
  /** remaining ÷ total: 1 untouched, 0 spent, negative overspent. */
  remainingRatio: number;
}

/** The error budget over an SLO window from its good and total counts; null without data. */
export function errorBudget(counts: Counts | null, objective: number): Budget | null {
  if (!counts || !(counts.total > 0)) return null;
  const total = (1 - objective) * counts.total;
  const consumed = Math.max(0, counts.total - counts.good);
  return { total, consumed, remaining: total - consumed, remainingRatio: (total - consumed) / total };
}

export interface WindowCounts {
  /** Counts over each window length that was asked for, keyed by milliseconds. */
  get(windowMs: number): Counts | null;
}

export interface TierVerdict {
  tier: BurnTier;
  longBurn: number | null;
  shortBurn: number | null;
  firing: boolean;
  /** Why a tier that burns does not fire. */
  guarded: boolean;
}

/**
 * A tier fires when both its long and its short window burn at least `factor` (the long window keeps
 * it from firing on a blip, the short one makes it clear soon after the burning stops), and the short
 * window saw at least `minEvents` events: with three requests, one error is a 33 % error ratio.
 */
export function evaluateTiers(tiers: readonly BurnTier[], windows: WindowCounts, objective: number, minEvents: number): TierVerdict[] {
  return tiers.map((tier) => {
    const long = windows.get(tier.longMs);
    const short = windows.get(tier.shortMs);
    const longBurn = burnRate(long, objective);
    const shortBurn = burnRate(short, objective);
    // A relative tolerance: 720 bad of 240,000 at 99.9 % is exactly 3×, but 2.9999999999999996 in floats.
    const reaches = (burn: number | null) => burn !== null && burn >= tier.factor * (1 - 1e-9);
    const burning = reaches(longBurn) && reaches(shortBurn);
    const guarded = burning && (short?.total ?? 0) < minEvents;
    return { tier, longBurn, shortBurn, firing: burning && !guarded, guarded };
  });
}

/** Every window length the tiers and the SLO window need, shortest first. */
export function windowsNeeded(tiers: readonly BurnTier[], periodMs: number): number[] {
  return [...new Set([...tiers.flatMap((tier) => [tier.shortMs, tier.longMs]), periodMs])].sort((a, b) => a - b);
}

/** A Prometheus duration for whole seconds: 3600000 → "1h", 3360000 → "56m", 90061000 → "1d1h1m1s". */
export function promDuration(ms: number): string {
  let seconds = Math.max(1, Math.round(ms / 1000));
  let text = '';
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const count = Math.floor(seconds / size);
    if (count > 0) text += `${count}${unit}`;
    seconds -= count * size;
  }
  return text;
}
