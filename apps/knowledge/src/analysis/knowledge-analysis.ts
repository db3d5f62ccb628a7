import { Alert, AlertAnalysis } from '@firebreak/contracts';
import { AlertFindings } from '../findings/findings';
import { diagnosticQueries } from './promql';

/** The part of an analysis that is about the alert, not about who wrote it or when. */
export type AnalysisBody = Pick<
  AlertAnalysis,
  'summary' | 'probableCauses' | 'mitigations' | 'queries' | 'similarIncidents' | 'recommendedRunbooks'
>;

/**
 * `text` in at most `max` UTF-16 units, ending in … when cut. Never between the halves of a surrogate pair (an emoji):
 * a lone half is what Postgres refuses in jsonb (22P02), and every write of the analysis would fail with it.
 */
export function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
const pct = (rate: number) => `${Math.round(rate * 100)} %`;

/** What the catalogue and the history say, in the contract's shape (recommendations only from the catalogue). */
export function recommendationsOf(findings: AlertFindings): AnalysisBody['recommendedRunbooks'] {
  return findings.recommendedRunbooks.slice(0, 10).map((r) => ({
    runbookId: r.runbookId,
    ...(r.title ? { title: cap(r.title, 500) } : {}),
    successRate: r.evidence.runs > 0 ? Math.min(1, Math.max(0, r.evidence.fixed / r.evidence.runs)) : null,
    runs: r.evidence.runs,
    fixed: Math.min(r.evidence.fixed, r.evidence.runs),
    score: Number.isFinite(r.score) ? r.score : 0,
  }));
}

export function similarOf(findings: AlertFindings): AnalysisBody['similarIncidents'] {
  return findings.similarIncidents.slice(0, 10).map((i) => {
    const last = i.runbooks.at(-1);
    return {
      title: cap(i.title, 500),
      // Normalised: the contract takes only ISO times with an offset, whatever the findings hold.
      ...(i.resolvedAt && !Number.isNaN(Date.parse(i.resolvedAt)) ? { resolvedAt: new Date(i.resolvedAt).toISOString() } : {}),
      ...(last ? { runbookId: last.runbookId, outcome: last.outcome } : {}),
    };
  });
}

/**
 * The analysis from the knowledge base alone: always available, no model involved. Causes come from
 * what fixed this alert before and from the alert's own description; mitigations from the runbooks
 * that worked; queries from its labels.
 */
export function knowledgeAnalysis(alert: Alert, findings: AlertFindings): AnalysisBody {
  const alertname = alert.labels.alertname ?? 'alert';
  const recommended = recommendationsOf(findings);
  const proven = findings.recommendedRunbooks.filter((r) => r.evidence.runs > 0);
  const where = ['service', 'job', 'instance', 'namespace', 'pod']
    .filter((k) => alert.labels[k])
    .map((k) => `${k}=${alert.labels[k]}`)
    .join(', ');

  const causes: AnalysisBody['probableCauses'] = [];
  for (const r of proven.slice(0, 3))
    causes.push({
      cause: cap(`The condition that runbook ${r.runbookId}${r.title ? ` (${r.title})` : ''} addresses`, 1000),
      evidence: cap(
        `It fixed ${r.evidence.fixed} of ${r.evidence.runs} earlier ${alertname} alerts (${pct(r.evidence.successRate)}).`,
        2000,
      ),
    });
  const described = alert.annotations.description || alert.annotations.summary;
  if (described) causes.push({ cause: cap(described, 1000), evidence: 'The alert rule’s own description.' });
  if (findings.similarIncidents.length > 0)
    causes.push({
      cause: `A recurrence of an earlier ${alertname} incident`,
      evidence: cap(
        `${findings.similarIncidents.length} similar incident(s), the closest: ${findings.similarIncidents[0].title} (label overlap ${pct(findings.similarIncidents[0].similarity)}).`,
        2000,
      ),
    });
  if (causes.length === 0)
    causes.push({
      cause: `Unknown: no history for ${alertname} yet`,
      evidence: 'No earlier incident or runbook outcome matches this alert.',
    });

  const mitigations = recommended
    .slice(0, 5)
    .map((r) =>
      cap(
        r.successRate === null
          ? `Run runbook ${r.runbookId}${r.title ? ` (${r.title})` : ''}: it fits this alert, no outcome recorded yet.`
          : `Run runbook ${r.runbookId}${r.title ? ` (${r.title})` : ''}: fixed ${r.fixed} of ${r.runs} times.`,
        1000,
      ),
    );
  for (const doc of findings.documents.slice(0, 3)) mitigations.push(cap(`Read “${doc.title}”: ${doc.summary}`, 1000));
  if (mitigations.length === 0) mitigations.push('Check the diagnostic queries below, then acknowledge the alert and investigate by hand.');

  const best = recommended[0];
  const summary = cap(
    [
      `${alert.severity.toUpperCase()} ${alertname}${where ? ` on ${where}` : ''} firing since ${alert.startsAt}.`,
      alert.annotations.summary ? `Summary: ${alert.annotations.summary}.` : '',
      best
        ? best.successRate === null
          ? `Suggested runbook: ${best.runbookId} (no outcomes yet).`
          : `Best known fix: ${best.runbookId}, ${best.fixed}/${best.runs} fixed.`
        : 'No runbook in the catalogue is known to fix it.',
      findings.similarIncidents.length > 0 ? `${findings.similarIncidents.length} similar past incident(s).` : '',
    ]
      .filter(Boolean)
      .join(' '),
    4000,
  );

  return {
    summary,
    probableCauses: causes.slice(0, 10),
    mitigations: mitigations.slice(0, 10),
    queries: diagnosticQueries(alert.labels).slice(0, 10),
    similarIncidents: similarOf(findings),
    recommendedRunbooks: recommended,
  };
}
