import { parseArgs, PARTS } from './args';

describe('bench arguments', () => {
  it('runs every part by default, without the soak', () => {
    expect(parseArgs([])).toEqual({ parts: new Set(PARTS), soakMinutes: undefined });
  });

  it('runs only the parts named, with the baseline their ratio needs', () => {
    expect([...parseArgs(['--only', 'e2e,storm']).parts]).toEqual(['e2e', 'storm']);
    expect([...parseArgs(['--only', 'stack']).parts].sort()).toEqual(['alertmanager', 'stack']);
  });

  it('takes the soak length in minutes', () => {
    expect(parseArgs(['--soak', '10']).soakMinutes).toBe(10);
    expect(parseArgs(['--soak', '0.5']).soakMinutes).toBe(0.5);
  });

  it('refuses what it does not know, naming what it knows', () => {
    expect(() => parseArgs(['--only', 'e2e,strom'])).toThrow('--only: unknown part "strom" (parts: ceiling, alertmanager');
    expect(() => parseArgs(['--fast'])).toThrow('unknown option --fast');
    expect(() => parseArgs(['--only'])).toThrow('--only needs a value');
    expect(() => parseArgs(['--soak', '-1'])).toThrow('--soak takes minutes > 0, got -1');
  });
});
