import { Alert, AlertAnalysis } from '@firebreak/contracts';
import type { Admission } from './analysis-shedder';
import { AnalysisBody, cap } from './knowledge-analysis';
import { diagnosticQueries } from './promql';

/**
 * What is stored for an episode the shedder did not let through: no search, no model, only what the alert itself
 * says, its diagnostic queries and, when its group's first full analysis is made, that analysis's causes,
 * mitigations and runbooks (same group, same knowledge). Kept so the console shows why, and so that a
 * redelivery finds the episode handled.
 */
export function shedAnalysis(
  alert: Alert,
  admission: Extract<Admission, { verdict: 'storm' | 'budget' }>,
  groupBy: readonly string[],
  windowMs: number,
): AnalysisBody {
  const alertname = alert.labels.alertname ?? 'alert';
  const group = groupBy.map((name) => `${name}=${alert.labels[name] ?? ''}`).join(', ');
  // Never itself: a redelivery of the leader shed while its own full analysis runs (that analysis replaces this row).
  const leader =
    admission.leader && (admission.leader.fingerprint !== alert.fingerprint || admission.leader.startsAt !== alert.startsAt)
      ? admission.leader
      : undefined;
  const why =
    admission.verdict === 'storm'
      ? `Not analysed on its own: alert ${admission.seen} of a storm of ${group} within ${Math.round(windowMs / 1000)} s; the first ones were admitted to a full analysis.`
      : 'Not analysed: too many alerts were being analysed at once (the analysis budget, FIREBREAK_ANALYSIS_RATE, was used up).';
  // Only what was true when this was written: a leader's analysis may still fail, so without its body it was "started".
  const pointer = !leader
    ? ''
    : leader.body
      ? ` This storm's full analysis: alert ${leader.fingerprint} (episode since ${leader.startsAt}); its causes, mitigations and runbooks are copied here.`
      : ` A full analysis of this storm was started for alert ${leader.fingerprint} (episode since ${leader.startsAt}); look there once it is made.`;
  const summary = cap(`${alert.severity.toUpperCase()} ${alertname} firing since ${alert.startsAt}. ${why}${pointer}`, 4000);
  const body = leader?.body;
  return {
    summary,
    probableCauses: body?.probableCauses ?? [{ cause: cap(`One of many ${alertname} alerts at once`, 1000), evidence: cap(why, 2000) }],
    mitigations: body?.mitigations ?? [
      'Handle the storm as one incident: check what its alerts have in common (a deploy, a node, a dependency).',
    ],
    queries: diagnosticQueries(alert.labels).slice(0, 10),
    similarIncidents: body?.similarIncidents ?? [],
    recommendedRunbooks: body?.recommendedRunbooks ?? [],
  };
}

/**
 * The whole stored analysis of a shed episode, built from the alert the consumer validated: it is not parsed again
 * (zod cost a fifth of the shed path), so everything in it must fit AlertAnalysisSchema by construction (capped
 * texts, at most 10 queries; a leader's findings come from an analysis that was validated).
 */
export function shedEpisodeAnalysis(
  alert: Alert,
  admission: Extract<Admission, { verdict: 'storm' | 'budget' }>,
  settings: { groupBy: readonly string[]; windowMs: number },
  announcedAt: Date,
  now: Date,
): AlertAnalysis {
  return {
    fingerprint: alert.fingerprint,
    alertname: alert.labels.alertname ?? '',
    severity: alert.severity,
    startsAt: alert.startsAt,
    ...shedAnalysis(alert, admission, settings.groupBy, settings.windowMs),
    engine: 'knowledge',
    durationMs: Math.max(0, now.getTime() - announcedAt.getTime()),
    analyzedAt: now.toISOString(),
  };
}
