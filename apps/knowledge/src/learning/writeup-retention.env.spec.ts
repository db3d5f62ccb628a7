import { writeupRetentionEnv } from './writeup-retention.env';

describe('FIREBREAK_WRITEUP_RETENTION', () => {
  it('reads a duration with its unit, and off', () => {
    expect(writeupRetentionEnv.parse('400d')).toBe(400 * 24 * 3600_000);
    expect(writeupRetentionEnv.parse('12h')).toBe(12 * 3600_000);
    expect(writeupRetentionEnv.parse(undefined)).toBe(400 * 24 * 3600_000);
    expect(writeupRetentionEnv.parse('off')).toBeNull();
    expect(writeupRetentionEnv.parse(' OFF ')).toBeNull();
  });

  it.each(['400', '0', 'forever', '-1d', ''])('refuses %j at start with a message naming the unit', (value) => {
    const result = writeupRetentionEnv.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toMatch(/unit such as 400d/);
  });
});
