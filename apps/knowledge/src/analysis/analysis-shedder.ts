import { createHash } from 'node:crypto';
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
 * Full analyses kept at most for copying into summaries (the latest ones): a body is up to ~80 K characters, so
 * one per group (10 000) would be gigabytes. A summary made after its leader's body went has only the pointer.
 */
export const MAX_KEPT_BODIES = 64;

/**
 * Decides, in memory and per replica, whether an episode is analysed in full: the first `fullPerWindow` of its
 * group in a window are, while the global budget (a token bucket) lasts; the rest of a storm is summarised
 * (`storm`, pointing at the group's first full analysis) or, past the budget, `budget`. Synchronous, so that
 * concurrent handlers cannot both take the last place.
 */
export class AnalysisShedder {
  private readonly groups = new Map<string, Group>();
  /** Leaders holding a body, oldest first (a Set keeps insertion order). */
  private readonly withBody = new Set<Leader>();
  private tokens: number;
  private refilledAt = 0;
  /** Time as the shedder counts it: the wall clock's forward moves only (see tick). */
  private elapsed = 0;
  private lastWall: number;

  constructor(
    private readonly settings: ShedSettings,
    private readonly now: () => number,
  ) {
    this.tokens = settings.burst;
    this.lastWall = now();
  }

  /**
   * A fixed-size digest of the group's label values: values may be 64 KiB each (control characters included),
   * and V8 hashes a string over 16 K characters by its length alone, so raw keys would cost megabytes per group
   * and a linear scan per lookup. Each value goes in as its length and its UTF-16 code units, so distinct value
   * lists stay distinct (UTF-8 would turn every lone surrogate into U+FFFD) without building an escaped copy.
   */
  groupOf(alert: Alert): string {
    const hash = createHash('sha256');
    for (const name of this.settings.groupBy) {
      const value = alert.labels[name] ?? '';
      hash.update(`${value.length}:`).update(value, 'utf16le');
    }
    return hash.digest('base64url');
  }

  admit(alert: Alert): Admission {
    const now = this.tick();
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
        if (leader) this.keepBody(leader, body);
      },
    };
  }

  /**
   * Monotonic time from the injected clock (tests move it; it is the wall clock in service): a step back (NTP, a VM
   * resumed) is skipped instead of taking tokens away or stretching every window by its length.
   */
  private tick(): number {
    const wall = this.now();
    this.elapsed += Math.max(0, wall - this.lastWall);
    this.lastWall = wall;
    return this.elapsed;
  }

  private keepBody(leader: Leader, body: AnalysisBody): void {
    leader.body = body;
    this.withBody.add(leader);
    for (const oldest of this.withBody) {
      if (this.withBody.size <= MAX_KEPT_BODIES) break;
      delete oldest.body;
      this.withBody.delete(oldest);
    }
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
