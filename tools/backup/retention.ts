/**
 * Snapshot directory names and which snapshots to keep. A snapshot is named after its UTC start time,
 * `2026-12-06T03-00-00Z` (colons are not portable in file names), with `-N` when two start in one second.
 * Only names of this form are ever considered, so nothing else in the directory is touched.
 */
const SNAPSHOT_NAME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})Z(?:-(\d{1,4}))?$/;

export interface RetentionPolicy {
  daily: number;
  weekly: number;
  monthly: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = { daily: 7, weekly: 4, monthly: 12 };

export function snapshotName(at: Date, sequence = 0): string {
  const base = `${at.toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
  return sequence > 0 ? `${base}-${sequence}` : base;
}

/** The snapshot's time (and its same-second sequence), or undefined for any name this tool did not make. */
export function parseSnapshotName(name: string): { at: Date; sequence: number } | undefined {
  const m = SNAPSHOT_NAME.exec(name);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const at = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 2026-02-31 over into March: such a name is not one we wrote.
  const sequence = m[7] ? Number(m[7]) : 0;
  if (Number.isNaN(at.getTime()) || snapshotName(at, sequence) !== name) return undefined;
  return { at, sequence };
}

const dayKey = (d: Date) => d.toISOString().slice(0, 10);
const monthKey = (d: Date) => d.toISOString().slice(0, 7);

/** ISO 8601 week (weeks start on Monday; week 1 holds the year's first Thursday), e.g. `2026-W49`. */
export function isoWeekKey(d: Date): string {
  const date = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/**
 * Which snapshots to keep, as restic's `--keep-daily/--keep-weekly/--keep-monthly` do: the newest snapshot of
 * each of the last `daily` days that have one, of the last `weekly` ISO weeks and of the last `monthly`
 * months (counted over the snapshots present, so days without a backup do not use up the allowance). The
 * newest snapshot is always kept. Names that are not snapshot names are in neither list.
 */
export function chooseRetention(
  names: readonly string[],
  policy: RetentionPolicy = DEFAULT_RETENTION,
): { keep: string[]; remove: string[] } {
  const snapshots = names
    .map((name) => ({ name, parsed: parseSnapshotName(name) }))
    .filter((s): s is { name: string; parsed: { at: Date; sequence: number } } => s.parsed !== undefined)
    .sort((a, b) => b.parsed.at.getTime() - a.parsed.at.getTime() || b.parsed.sequence - a.parsed.sequence);
  const keep = new Set<string>();
  if (snapshots.length > 0) keep.add(snapshots[0].name);
  for (const [count, key] of [
    [policy.daily, dayKey],
    [policy.weekly, isoWeekKey],
    [policy.monthly, monthKey],
  ] as const) {
    const seen = new Set<string>();
    for (const { name, parsed } of snapshots) {
      if (seen.size >= count) break;
      const bucket = key(parsed.at);
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      keep.add(name);
    }
  }
  const ordered = snapshots.map((s) => s.name);
  return { keep: ordered.filter((n) => keep.has(n)), remove: ordered.filter((n) => !keep.has(n)) };
}
