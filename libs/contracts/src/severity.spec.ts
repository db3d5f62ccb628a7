import { isAtLeast, SEVERITIES, severityFromLabel } from './severity';

describe('severityFromLabel', () => {
  it('reads the usual spellings, in any case and with spaces around', () => {
    expect(severityFromLabel('CRIT')).toBe('critical');
    expect(severityFromLabel(' warn ')).toBe('warning');
    expect(severityFromLabel('P1')).toBe('critical');
    expect(severityFromLabel('informational')).toBe('info');
  });

  it('makes a missing or unknown value a warning', () => {
    expect(severityFromLabel(undefined)).toBe('warning');
    expect(severityFromLabel('')).toBe('warning');
    expect(severityFromLabel('sev-9')).toBe('warning');
  });

  it('gives a severity, never an Object property, for names Object.prototype has', () => {
    for (const value of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype']) {
      const severity = severityFromLabel(value);
      expect(severity).toBe('warning');
      expect(SEVERITIES).toContain(severity);
    }
  });

  it('orders severities for minSeverity', () => {
    expect(isAtLeast('critical', 'error')).toBe(true);
    expect(isAtLeast('info', 'warning')).toBe(false);
  });
});
