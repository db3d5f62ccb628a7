import { formatMatcher, matchesEmptyLabelSet, type Matcher } from '@firebreak/contracts';
import { parseFilter } from '../alerts/alert-filter';

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 };

/** `2h`, `90m`, `1h30m`, `1d`: Alertmanager's duration words; null when it is not one (or zero). */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (!/^(\d+[dhms])+$/.test(trimmed)) return null;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([dhms])/g)) total += Number(amount) * UNIT_MS[unit];
  return total > 0 ? total : null;
}

export interface SilenceDraft {
  matchers: Matcher[];
  /** The matchers as the API takes them (canonical text, one per matcher). */
  texts: string[];
  durationMs: number;
}

/** The form's fields checked as the mapper would check them, so the preview and the request agree. */
export function readDraft(matchersText: string, durationText: string): SilenceDraft | { error: string } {
  const parsed = parseFilter(matchersText);
  if ('error' in parsed) return { error: `Matchers: ${parsed.error}` };
  if (parsed.matchers.length === 0) return { error: 'Matchers: give at least one.' };
  // Alertmanager refuses a silence that would match every alert; the mapper too.
  if (matchesEmptyLabelSet(parsed.matchers)) return { error: 'Matchers: these would match every alert; add one that needs a value.' };
  const durationMs = parseDuration(durationText);
  if (durationMs === null) return { error: 'Duration: write it as 30m, 2h, 1h30m or 1d.' };
  return { matchers: parsed.matchers, texts: parsed.matchers.map(formatMatcher), durationMs };
}
