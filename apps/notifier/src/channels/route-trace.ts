import { formatMatcher, isAtLeast, matches, Severity } from '@firebreak/contracts';
import { resolveRoutes, Route, routingLabels } from '../channel-config/routing';

export interface RouteStep {
  index: number;
  matchers: string[];
  channels: string[];
  minSeverity?: Severity;
  continue: boolean;
  matched: boolean;
  why: string;
}

export interface RouteTrace {
  /** The labels the routes saw: the alert's, with `severity` normalised. */
  labels: Record<string, string>;
  routes: RouteStep[];
  /** Where announcements go, in order, as the notifier computes it. */
  channels: string[];
}

/**
 * Which routes an alert takes and why the others were passed over. The walk itself is the notifier's
 * `resolveRoutes`, run once with each route's channels replaced by its index, so this trace cannot
 * disagree with the routing it explains; only the reasons for a miss are worked out here.
 */
export function traceRoutes(routes: readonly Route[], labels: Record<string, string>, severity: Severity): RouteTrace {
  const seen = routingLabels(labels, severity);
  const indexed = routes.map((route, index) => ({ ...route, channels: [String(index)] }));
  const taken = new Set(resolveRoutes(indexed, seen, severity).map(Number));
  const stop = routes.findIndex((route, index) => taken.has(index) && !route.continue);
  return {
    labels: seen,
    routes: routes.map((route, index) => {
      const matched = taken.has(index);
      return {
        index,
        matchers: route.matchers.map(formatMatcher),
        channels: route.channels,
        ...(route.minSeverity ? { minSeverity: route.minSeverity } : {}),
        continue: route.continue,
        matched,
        why: matched ? (route.continue ? 'matched; continues' : 'matched; stops here') : missReason(route, index, stop, seen, severity),
      };
    }),
    channels: resolveRoutes([...routes], seen, severity),
  };
}

function missReason(route: Route, index: number, stop: number, labels: Record<string, string>, severity: Severity): string {
  if (stop >= 0 && index > stop) return `not reached: routes[${stop}] matched and does not continue`;
  if (route.minSeverity && !isAtLeast(severity, route.minSeverity)) return `severity ${severity} is below minSeverity ${route.minSeverity}`;
  const failing = route.matchers.find((matcher) => !matches(matcher, labels));
  if (!failing) return 'did not match';
  const value = Object.prototype.hasOwnProperty.call(labels, failing.name) ? JSON.stringify(labels[failing.name]) : 'absent';
  return `${formatMatcher(failing)} does not match (${failing.name} is ${value})`;
}
