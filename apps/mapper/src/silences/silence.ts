import { Matcher, matchesAll, parseMatcher } from '@firebreak/contracts';

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

/** Stored matchers were validated on the way in; parsing again cannot fail short of a bad manual edit. */
export function toActive(silence: Pick<SilenceRecord, 'id' | 'matchers' | 'startsAt' | 'endsAt'>): ActiveSilence {
  return { id: silence.id, matchers: silence.matchers.map(parseMatcher), startsAt: silence.startsAt, endsAt: silence.endsAt };
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
