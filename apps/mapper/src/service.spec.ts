import { mapperEnv } from './service';

describe("the mapper's settings", () => {
  const parse = (values: Record<string, string>) => mapperEnv.safeParse(values);

  it('keeps its defaults', () => {
    expect(mapperEnv.parse({})).toEqual({
      FIREBREAK_DEDUP_WINDOW_SEC: 300,
      FIREBREAK_AUTOMATION_ENABLED: true,
      FIREBREAK_TIMER_POLL_MS: 5_000,
      FIREBREAK_MAX_CLOCK_SKEW: 300_000,
      FIREBREAK_WRITE_STATEMENT_MAX_BYTES: 16 * 1024 * 1024,
    });
  });

  it('keeps a write statement far below the jsonb limit, and big enough for a row', () => {
    expect(parse({ FIREBREAK_WRITE_STATEMENT_MAX_BYTES: String(128 * 1024 * 1024 + 1) }).success).toBe(false);
    expect(parse({ FIREBREAK_WRITE_STATEMENT_MAX_BYTES: '1023' }).success).toBe(false);
    expect(parse({ FIREBREAK_WRITE_STATEMENT_MAX_BYTES: '1024' }).data?.FIREBREAK_WRITE_STATEMENT_MAX_BYTES).toBe(1024);
  });

  it('reads FIREBREAK_AUTOMATION_ENABLED as the runbook executor does, and every word it took before (on/off, enabled/disabled, any case)', () => {
    const read = (value: string) => parse({ FIREBREAK_AUTOMATION_ENABLED: value }).data?.FIREBREAK_AUTOMATION_ENABLED;
    expect(['true', '1', 'yes', 'on', 'Y', 'Enabled', 'TRUE'].map(read)).toEqual([true, true, true, true, true, true, true]);
    expect(['false', '0', 'no', 'off', 'N', 'Disabled', 'False'].map(read)).toEqual([false, false, false, false, false, false, false]);
    expect(parse({ FIREBREAK_AUTOMATION_ENABLED: 'maybe' }).success).toBe(false);
  });

  it('keeps the bounds of the dedup window and the poll interval', () => {
    expect(parse({ FIREBREAK_DEDUP_WINDOW_SEC: '604801' }).success).toBe(false);
    expect(parse({ FIREBREAK_TIMER_POLL_MS: '49' }).success).toBe(false);
    expect(parse({ FIREBREAK_DEDUP_WINDOW_SEC: '0', FIREBREAK_TIMER_POLL_MS: '50' }).success).toBe(true);
  });

  it('reads FIREBREAK_MAX_CLOCK_SKEW as a duration', () => {
    expect(parse({ FIREBREAK_MAX_CLOCK_SKEW: '30s' }).data?.FIREBREAK_MAX_CLOCK_SKEW).toBe(30_000);
    expect(parse({ FIREBREAK_MAX_CLOCK_SKEW: 'soon' }).success).toBe(false);
  });
});
