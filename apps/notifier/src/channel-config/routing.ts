import { isAtLeast, Matcher, matchesAll, Severity } from '@firebreak/contracts';

export interface Route {
  matchers: Matcher[];
  channels: string[];
  minSeverity?: Severity;
  /** As in Alertmanager: a matching route stops the walk unless it says `continue: true`. */
  continue: boolean;
}

/**
 * The channels an announcement goes to: routes are tried in order, a route matches when all its
 * matchers match the labels and the severity reaches its minimum. Channel names are deduplicated.
 */
export function resolveRoutes(routes: Route[], labels: Record<string, string>, severity: Severity): string[] {
  const channels = new Set<string>();
  for (const route of routes) {
    if (route.minSeverity && !isAtLeast(severity, route.minSeverity)) continue;
    if (!matchesAll(route.matchers, labels)) continue;
    for (const channel of route.channels) channels.add(channel);
    if (!route.continue) break;
  }
  return [...channels];
}

/** The labels routes see: the alert's own, with `severity` set to Firebreak's normalised value. */
export function routingLabels(labels: Record<string, string>, severity: Severity): Record<string, string> {
  return { ...labels, severity };
}
