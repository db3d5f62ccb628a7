/**
 * How runbooks are ranked for an alert, without I/O. The success measure is the lower bound of the
 * Wilson score interval (95 %) of fixed/runs: a runbook that fixed 1 of 1 runs is not proven better than
 * one that fixed 90 of 100; the bound (0.21 against 0.83) says so, a plain ratio (1.0 against 0.9) would not.
 */

const Z95 = 1.959963984540054;

/** Lower bound of the Wilson score interval for `successes` of `trials` (0 when there were no trials). */
export function wilsonLowerBound(successes: number, trials: number, z = Z95): number {
  if (trials <= 0) return 0;
  const p = Math.min(1, Math.max(0, successes / trials));
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p) + z2 / (4 * trials)) / trials);
  return Math.max(0, (centre - margin) / (1 + z2 / trials));
}

/** Upper bound of the same interval (1 when there were no trials: nothing is proven against it). */
export function wilsonUpperBound(successes: number, trials: number, z = Z95): number {
  if (trials <= 0) return 1;
  const p = Math.min(1, Math.max(0, successes / trials));
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p) + z2 / (4 * trials)) / trials);
  return Math.min(1, (centre + margin) / (1 + z2 / trials));
}

export interface RunbookCandidate {
  runbookId: string;
  title: string;
  /** Runs for alerts of this name, and how many verifiably fixed it. */
  runs: number;
  fixed: number;
  /** 0–1 text relevance of the runbook's document to the alert (name, labels, annotations). */
  textRelevance: number;
  /** 0–1: the best label overlap between this alert and the alerts this runbook fixed. */
  labelOverlap: number;
}

export interface RankedRunbook extends RunbookCandidate {
  score: number;
  successRate: number;
  reasons: string[];
}

/**
 * Weights: outcomes dominate (they are what the alert history proves); text relevance lets a runbook
 * that was never run still be suggested for an alert it is written for; label overlap separates runbooks
 * that fixed this alert on the same service from those that fixed it elsewhere.
 */
export const WEIGHTS = { outcome: 0.7, text: 0.2, labels: 0.1 } as const;

/**
 * A runbook never run for this alert is suggested on its text alone only when it reads nearly as well as
 * the best text match: alert names share common words ("error", "rate"), and a long tail of weak text
 * matches would only bury the one runbook written for the alert.
 */
export const TEXT_ONLY_SHARE_OF_BEST = 0.75;

export function rankRunbooks(candidates: readonly RunbookCandidate[], limit = 5): RankedRunbook[] {
  const bestText = Math.max(0, ...candidates.map((c) => clamp01(c.textRelevance)));
  return candidates
    .filter((c) => c.runs > 0 || clamp01(c.textRelevance) >= TEXT_ONLY_SHARE_OF_BEST * bestText)
    .map((c) => {
      const bound = wilsonLowerBound(c.fixed, c.runs);
      // Text says what a runbook is written for; outcomes say whether it works. Text counts only as far as
      // the outcomes leave it plausible (the Wilson upper bound): 0 fixes in 50 runs leaves ~7 % of it, one
      // failed run ~79 %, no runs all of it — so well-written prose cannot outrank a proven failure's record.
      const plausible = wilsonUpperBound(c.fixed, c.runs);
      const text = clamp01(c.textRelevance) * plausible;
      const labels = clamp01(c.labelOverlap);
      const reasons: string[] = [];
      if (c.runs > 0) reasons.push(`fixed ${c.fixed} of ${c.runs} runs (95 % lower bound ${bound.toFixed(2)})`);
      if (c.textRelevance > 0) reasons.push(`its text matches the alert (relevance ${clamp01(c.textRelevance).toFixed(2)})`);
      if (labels > 0) reasons.push(`fixed alerts with similar labels (overlap ${labels.toFixed(2)})`);
      return {
        ...c,
        successRate: c.runs > 0 ? c.fixed / c.runs : 0,
        score: round(WEIGHTS.outcome * bound + WEIGHTS.text * text + WEIGHTS.labels * labels),
        reasons,
      };
    })
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score || b.runs - a.runs || a.runbookId.localeCompare(b.runbookId))
    .slice(0, limit);
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
