/**
 * What the reporter counts off the bus, one minute bucket per signal. SLOs name these in a
 * `metricSource` of type `Firebreak`; the ops health summary reads them too.
 */
export const SIGNALS = [
  'notifications.delivered',
  'notifications.failed',
  /** Live runbook executions started for an alert (the automatic remediations) that succeeded. */
  'remediations.succeeded',
  /** ... that failed, timed out, were ineffective or need attention (skips and rejections are no attempt). */
  'remediations.failed',
  /** An alert that started firing (alerts.state.changed into firing from nothing or resolved). */
  'alerts.firing',
  'alerts.firing.critical',
] as const;
export type Signal = (typeof SIGNALS)[number];
