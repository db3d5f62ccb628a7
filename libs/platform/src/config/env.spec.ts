import { z } from 'zod';
import { loadEnv } from './load-config';
import { env } from './env';

const schema = z.object({
  FLAG: env.flag(true),
  COUNT: env.int(1, 10, 3),
  HOSTS: env.list('localhost'),
  WAIT: env.duration('30s'),
});

describe('env helpers', () => {
  it('gives the defaults when nothing is set', () => {
    expect(loadEnv(schema, {})).toEqual({ FLAG: true, COUNT: 3, HOSTS: ['localhost'], WAIT: 30_000 });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['on', true],
    ['off', false],
    ['Y', true],
    ['n', false],
    ['Enabled', true],
    ['DISABLED', false],
    ['TRUE', true],
    ['False', false],
  ])('reads the flag %s as %s', (value, expected) => {
    expect(loadEnv(schema, { FLAG: value }).FLAG).toBe(expected);
  });

  it('refuses a flag it cannot read, naming the variable', () => {
    expect(() => loadEnv(schema, { FLAG: 'maybe' })).toThrow(/FLAG: must be true or false/);
  });

  it('bounds integers', () => {
    expect(loadEnv(schema, { COUNT: '10' }).COUNT).toBe(10);
    expect(() => loadEnv(schema, { COUNT: '11' })).toThrow(/COUNT/);
    expect(() => loadEnv(schema, { COUNT: '2.5' })).toThrow(/COUNT/);
  });

  it('splits lists on commas and drops blanks', () => {
    expect(loadEnv(schema, { HOSTS: ' a.internal, ,b:8443,' }).HOSTS).toEqual(['a.internal', 'b:8443']);
  });

  it.each([
    ['500ms', 500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['1500', 1_500],
  ])('reads the duration %s as %d ms', (value, expected) => {
    expect(loadEnv(schema, { WAIT: value }).WAIT).toBe(expected);
  });

  it.each(['soon', '0', '-5s', '5 weeks'])('refuses the duration %s', (value) => {
    expect(() => loadEnv(schema, { WAIT: value })).toThrow(/WAIT: must be a duration/);
  });
});
