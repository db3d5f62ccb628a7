import { Alert } from '@firebreak/contracts';
import { AnalysisBody } from './knowledge-analysis';

export interface ShedSettings {
  /** Labels whose values make an alert's storm group (default: alertname). */
  groupBy: readonly string[];
  /** Episodes of one group analysed in full per window; the rest of its storm is summarised. */
  fullPerWindow: number;
  windowMs: number;
  /** Full analyses per second across all groups (token bucket), and how many may come at once. */
  ratePerSecond: number;
  burst: number;
}

/** The episode of a group analysed in full that a summarised one points at; `body` once its analysis is made. */
export interface Leader {
  fingerprint: string;
  startsAt: string;
  body?: AnalysisBody;
}

export type Admission =
  | { verdict: 'full'; group: string; cancel: () => void; done: (body: AnalysisBody) => void }
  | { verdict: 'storm' | 'budget'; group: string; leader?: Leader; seen: number };

interface Group {
  windowStart: number;
  /** Full analyses admitted in this window. */
  full: number;
  /** Episodes of the group seen in this window (full or not): the storm's size so far. */
  seen: number;
  leader?: Leader;
}

/** Groups remembered at most: a storm grouped by a label of many values must not grow the map for ever. */
const MAX_GROUPS = 10_000;

/**
 * Decides, in memory and per replica, whether an episode is analysed in full: the first `fullPerWindow` of its
 * group in a window are, while the global budget (a token bucket) lasts; the rest of a storm is summarised
 * (`storm`, pointing at the group's first full analysis) or, past the budget, `budget`. Synchronous, so that
 * concurrent handlers cannot both take the last place.
 */
export class AnalysisShedder {
  private readonly groups = new Map<string, Group>();
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly settings: ShedSettings,
    private readonly now: () => number,
  ) {
    this.tokens = settings.burst;
    this.refilledAt = now();
  }

  groupOf(alert: Alert): string {
    return JSON.stringify(this.settings.groupBy.map((name) => alert.labels[name] ?? ''));
  }

  admit(alert: Alert): Admission {
    const now = this.now();
    const key = this.groupOf(alert);
    const group = this.current(key, now);
    group.seen++;
    if (group.full >= this.settings.fullPerWindow) return { verdict: 'storm', group: key, leader: group.leader, seen: group.seen };
    if (!this.takeToken(now)) return { verdict: 'budget', group: key, leader: group.leader, seen: group.seen };
    group.full++;
    const leader: Leader | undefined = group.leader ? undefined : { fingerprint: alert.fingerprint, startsAt: alert.startsAt };
    if (leader) group.leader = leader;
    let cancelled = false;
    return {
      verdict: 'full',
      group: key,
      // The episode was analysed before (a redelivery): its place and token go back.
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        group.full = Math.max(0, group.full - 1);
        group.seen = Math.max(0, group.seen - 1);
        this.tokens = Math.min(this.settings.burst, this.tokens + 1);
        if (leader && group.leader === leader) group.leader = undefined;
      },
      done: (body) => {
        if (leader) leader.body = body;
      },
    };
  }

  private current(key: string, now: number): Group {
    const found = this.groups.get(key);
    if (found && now - found.windowStart < this.settings.windowMs) return found;
    const fresh: Group = { windowStart: now, full: 0, seen: 0 };
    // Re-inserted at the end: the map stays ordered by window start, oldest first.
    this.groups.delete(key);
    this.groups.set(key, fresh);
    for (const [old, group] of this.groups) {
      if (this.groups.size <= MAX_GROUPS && now - group.windowStart < this.settings.windowMs) break;
      this.groups.delete(old);
    }
    return fresh;
  }

  private takeToken(now: number): boolean {
    const { ratePerSecond, burst } = this.settings;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * ratePerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
