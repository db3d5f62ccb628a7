import { chooseRetention, isoWeekKey, parseSnapshotName, snapshotName } from './retention';

const at = (iso: string) => snapshotName(new Date(iso));
/** One snapshot a day at 03:00 for `days` days up to and including `last`. */
function daily(last: string, days: number): string[] {
  const end = new Date(`${last}T03:00:00Z`).getTime();
  return Array.from({ length: days }, (_, i) => snapshotName(new Date(end - i * 86_400_000)));
}

describe('snapshot names', () => {
  it('round-trips a UTC time, with a sequence for a second snapshot in the same second', () => {
    expect(at('2026-12-06T03:00:00Z')).toBe('2026-12-06T03-00-00Z');
    expect(parseSnapshotName('2026-12-06T03-00-00Z')?.at.toISOString()).toBe('2026-12-06T03:00:00.000Z');
    expect(parseSnapshotName('2026-12-06T03-00-00Z-2')).toEqual({ at: new Date('2026-12-06T03:00:00Z'), sequence: 2 });
  });

  it('refuses names it did not make, impossible dates included', () => {
    for (const name of [
      'notes',
      '2026-12-06',
      '.partial-2026-12-06T03-00-00Z',
      '2026-02-31T03-00-00Z',
      '2026-12-06T03-00-00Z-01',
      '2026-12-06T03:00:00Z',
    ])
      expect(parseSnapshotName(name)).toBeUndefined();
  });

  it('numbers ISO weeks from the week holding the first Thursday', () => {
    expect(isoWeekKey(new Date('2026-01-01T00:00:00Z'))).toBe('2026-W01'); // a Thursday
    expect(isoWeekKey(new Date('2027-01-01T00:00:00Z'))).toBe('2026-W53'); // a Friday: still 2026's last week
    expect(isoWeekKey(new Date('2026-12-06T23:00:00Z'))).toBe('2026-W49'); // Sunday ends the week
    expect(isoWeekKey(new Date('2026-12-07T00:00:00Z'))).toBe('2026-W50'); // Monday starts one
  });
});

describe('chooseRetention', () => {
  it('keeps the newest of each of 7 days, 4 weeks and 12 months out of a year and a half of daily snapshots', () => {
    const names = daily('2026-12-06', 550);
    const { keep, remove } = chooseRetention(names);
    expect(keep.length + remove.length).toBe(550);
    // 7 days: Dec 6 back to Nov 30.
    expect(keep.slice(0, 7)).toEqual(daily('2026-12-06', 7));
    // 4 weeks: the newest of W49 (Dec 6, kept already), W48 (Nov 29), W47 (Nov 22), W46 (Nov 15).
    expect(keep).toEqual(expect.arrayContaining([at('2026-11-29T03:00:00Z'), at('2026-11-22T03:00:00Z'), at('2026-11-15T03:00:00Z')]));
    // 12 months: the last day of each month back to January 2026 (December's is Dec 6).
    for (const month of ['2026-11-30', '2026-10-31', '2026-06-30', '2026-01-31']) expect(keep).toContain(at(`${month}T03:00:00Z`));
    expect(keep).not.toContain(at('2025-12-31T03:00:00Z'));
    expect(keep).toHaveLength(7 + 3 + 11 - 1); // Nov 30 is both a daily and November's monthly
  });

  it('keeps the newest snapshot of a day, not the first', () => {
    const names = ['2026-12-06T03-00-00Z', '2026-12-06T15-00-00Z', '2026-12-06T15-00-00Z-1'];
    expect(chooseRetention(names).keep).toEqual(['2026-12-06T15-00-00Z-1']);
  });

  it('counts days that have snapshots, so a week without backups uses up no allowance', () => {
    const names = [...daily('2026-12-06', 2), ...daily('2026-11-20', 10)];
    const { keep } = chooseRetention(names, { daily: 7, weekly: 0, monthly: 0 });
    expect(keep).toEqual([...daily('2026-12-06', 2), ...daily('2026-11-20', 5)]);
  });

  it('never lists a name it did not make, to keep or to remove', () => {
    const { keep, remove } = chooseRetention(['my-notes', '.git', '2026-12-06T03-00-00Z', '../etc', '2020-01-01T00-00-00Z'], {
      daily: 1,
      weekly: 0,
      monthly: 0,
    });
    expect(keep).toEqual(['2026-12-06T03-00-00Z']);
    expect(remove).toEqual(['2020-01-01T00-00-00Z']);
  });

  it('keeps the only snapshot whatever the policy', () => {
    expect(chooseRetention(['2026-12-06T03-00-00Z'], { daily: 0, weekly: 0, monthly: 0 }).keep).toEqual(['2026-12-06T03-00-00Z']);
    expect(chooseRetention([])).toEqual({ keep: [], remove: [] });
  });
});
