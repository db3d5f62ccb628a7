import { parseDuration, readDraft } from './silence-text';

describe('the silence form', () => {
  it('reads durations as Alertmanager writes them', () => {
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    for (const bad of ['', '2', 'h', '0m', '2 hours', '-1h']) expect(parseDuration(bad)).toBeNull();
  });

  it('sends canonical matchers and refuses one that would silence everything', () => {
    expect(readDraft('job="api"\nseverity=~"crit.*"', '30m')).toEqual(
      expect.objectContaining({ texts: ['job="api"', 'severity=~"crit.*"'], durationMs: 1_800_000 }),
    );
    expect(readDraft('job=~".*"', '1h')).toEqual({ error: expect.stringContaining('every alert') });
    expect(readDraft('', '1h')).toEqual({ error: expect.stringContaining('at least one') });
    expect(readDraft('job="api"', 'soon')).toEqual({ error: expect.stringContaining('Duration') });
  });
});
