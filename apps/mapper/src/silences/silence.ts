import { Matcher, MatcherError, matchesAll, parseMatcher } from '@firebreak/contracts';

export type SilenceState = 'pending' | 'active' | 'expired';

/** One row of `silences`. */
export interface SilenceRecord {
  id: string;
  matchers: string[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
  createdAt: Date;
  updatedAt: Date;
  /** The state whose effects on alerts were applied (the sweeper catches up with time). */
  appliedState: SilenceState;
}

export interface ActiveSilence {
  id: string;
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
}

export function silenceState(silence: Pick<SilenceRecord, 'startsAt' | 'endsAt'>, now: Date): SilenceState {
  if (silence.endsAt.getTime() <= now.getTime()) return 'expired';
  return silence.startsAt.getTime() <= now.getTime() ? 'active' : 'pending';
}

/** A stored silence parsed for matching, or why it cannot be. */
export type ReadSilence = { ok: true; silence: ActiveSilence } | { ok: false; id: string; problem: string };

/**
 * Stored matchers were validated on the way in, but by the parser of their day: a pattern an older
 * release accepted (a lookahead, a backreference, before regexes had RE2 semantics) or a manual
 * edit no longer parses. Such a silence is reported, never thrown: one bad row must not fail every
 * alert transaction that reads the silences.
 */
export function readSilence(silence: Pick<SilenceRecord, 'id' | 'matchers' | 'startsAt' | 'endsAt'>): ReadSilence {
  const stored: unknown = silence.matchers;
  if (!Array.isArray(stored) || stored.length === 0 || !stored.every((text): text is string => typeof text === 'string')) {
    return { ok: false, id: silence.id, problem: 'matchers: not a list of matcher texts' };
  }
  const matchers: Matcher[] = [];
  for (const [index, text] of stored.entries()) {
    try {
      matchers.push(parseMatcher(text));
    } catch (error) {
      if (!(error instanceof MatcherError)) throw error;
      return { ok: false, id: silence.id, problem: `matchers.${index}: ${error.message}` };
    }
  }
  return { ok: true, silence: { id: silence.id, matchers, startsAt: silence.startsAt, endsAt: silence.endsAt } };
}

export function findSilence(silences: readonly ActiveSilence[], labels: Record<string, string>, now: Date): ActiveSilence | null {
  return silences.find((silence) => silenceState(silence, now) === 'active' && matchesAll(silence.matchers, labels)) ?? null;
}

/** The `=` matchers as a label set every matching alert contains: lets Postgres narrow the candidates. */
export function equalityLabels(matchers: readonly Matcher[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const matcher of matchers) if (matcher.type === '=' && matcher.value !== '') labels[matcher.name] = matcher.value;
  return labels;
}
