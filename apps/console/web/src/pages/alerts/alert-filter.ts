import { formatMatcher, matchesAll, MatcherError, parseMatchers, type Matcher } from '@firebreak/contracts';

/**
 * The filter bar's text as Alertmanager matchers: `severity="critical", service=~"api.*"`, with or
 * without braces, commas or new lines between them. Empty text is no filter.
 */
export function parseFilter(text: string): { matchers: Matcher[] } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { matchers: [] };
  const body = trimmed.startsWith('{') ? trimmed : `{${trimmed.replace(/\n/g, ',')}}`;
  try {
    return { matchers: parseMatchers(body) };
  } catch (error) {
    if (error instanceof MatcherError) return { error: error.message };
    throw error;
  }
}

/** Matchers for exactly these labels: what a silence of one alert starts from. */
export function matchersFor(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([name, value]) => formatMatcher({ name, type: '=', value }))
    .join('\n');
}

export function filterByMatchers<T extends { labels: Record<string, string> }>(items: T[], matchers: Matcher[]): T[] {
  return matchers.length === 0 ? items : items.filter((item) => matchesAll(matchers, item.labels));
}

export interface AlertGroup<T> {
  alertname: string;
  /** Labels every alert of the group has with the same value: shown once, in the group's header. */
  common: Record<string, string>;
  items: T[];
}

export function groupByAlertname<T extends { alertname: string; labels: Record<string, string> }>(items: T[]): AlertGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(item.alertname, [...(groups.get(item.alertname) ?? []), item]);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([alertname, members]) => ({ alertname, common: commonLabels(members.map((m) => m.labels)), items: members }));
}

export function commonLabels(sets: Array<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = sets;
  if (!first) return {};
  const common: Record<string, string> = {};
  for (const [name, value] of Object.entries(first)) {
    if (rest.every((labels) => Object.prototype.hasOwnProperty.call(labels, name) && labels[name] === value)) common[name] = value;
  }
  return common;
}
