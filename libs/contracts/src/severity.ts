import { z } from 'zod';

/** Ordered from least to most urgent; the order is what `minSeverity` comparisons use. */
export const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

// Alertmanager has no severity field: teams put it in a label and spell it many ways.
const SEVERITY_ALIASES: Record<string, Severity> = {
  info: 'info',
  informational: 'info',
  low: 'info',
  none: 'info',
  notice: 'info',
  debug: 'info',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  minor: 'warning',
  error: 'error',
  err: 'error',
  high: 'error',
  major: 'error',
  critical: 'critical',
  crit: 'critical',
  page: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  p1: 'critical',
  disaster: 'critical',
};

/** Reads the usual label values; an unknown or missing value is `warning`, neither ignored nor paged. */
export function severityFromLabel(value: string | undefined): Severity {
  if (!value) return 'warning';
  const key = value.trim().toLowerCase();
  // Own keys only: a label `constructor` or `__proto__` must not read Object.prototype.
  return Object.hasOwn(SEVERITY_ALIASES, key) ? SEVERITY_ALIASES[key] : 'warning';
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isAtLeast(severity: Severity, minimum: Severity): boolean {
  return severityRank(severity) >= severityRank(minimum);
}
