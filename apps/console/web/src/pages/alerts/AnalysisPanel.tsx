import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { AlertAnalysis } from '@firebreak/contracts';
import { api, ApiError } from '../../api/client';
import { Empty, ErrorBox, Loading, Time } from '../../ui/common';

/** The knowledge service's analysis of the alert's latest episode; a 404 means none was made yet. */
export function AnalysisPanel({ fingerprint }: { fingerprint: string }) {
  const analysis = useQuery({
    queryKey: ['alert', fingerprint, 'analysis'],
    queryFn: ({ signal }) =>
      api<AlertAnalysis>('knowledge', `/v1/alerts/${encodeURIComponent(fingerprint)}/analysis`, { signal }).catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }),
  });
  return (
    <div className="panel" data-testid="analysis">
      <h2>Analysis</h2>
      {analysis.isPending && <Loading />}
      {analysis.isError && <ErrorBox error={analysis.error} />}
      {analysis.data === null && <Empty>No analysis yet.</Empty>}
      {analysis.data && <AnalysisBody analysis={analysis.data} />}
    </div>
  );
}

function AnalysisBody({ analysis }: { analysis: AlertAnalysis }) {
  return (
    <>
      <p className="muted">
        {analysis.engine === 'llm' ? 'by the model' : 'from the knowledge base'}
        {analysis.fallbackReason && ` (model not used: ${analysis.fallbackReason})`} · <Time value={analysis.analyzedAt} />
      </p>
      <p className="prose-text">{analysis.summary}</p>
      {analysis.probableCauses.length > 0 && (
        <>
          <h3>Probable causes</h3>
          <ul>
            {analysis.probableCauses.map((cause, index) => (
              <li key={index}>
                {cause.cause} <span className="muted">— {cause.evidence}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      {analysis.mitigations.length > 0 && (
        <>
          <h3>Mitigations</h3>
          <ul>
            {analysis.mitigations.map((mitigation, index) => (
              <li key={index}>{mitigation}</li>
            ))}
          </ul>
        </>
      )}
      {analysis.queries.length > 0 && (
        <>
          <h3>PromQL</h3>
          {analysis.queries.map((query, index) => (
            <div key={index}>
              <span className="muted">{query.description}</span>
              <pre>{query.promql}</pre>
            </div>
          ))}
        </>
      )}
      <Recommended analysis={analysis} />
      {analysis.similarIncidents.length > 0 && (
        <>
          <h3>Similar incidents</h3>
          <ul>
            {analysis.similarIncidents.map((incident, index) => (
              <li key={index}>
                {incident.fingerprint ? (
                  <Link to={`/alerts/${encodeURIComponent(incident.fingerprint)}`}>{incident.title}</Link>
                ) : (
                  incident.title
                )}
                {incident.runbookId && <span className="muted"> · {incident.runbookId}</span>}
                {incident.outcome && <span className="muted"> · {incident.outcome}</span>}
                {incident.resolvedAt && (
                  <span className="muted">
                    {' '}
                    · resolved <Time value={incident.resolvedAt} />
                  </span>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function Recommended({ analysis }: { analysis: AlertAnalysis }) {
  if (analysis.recommendedRunbooks.length === 0) return null;
  return (
    <>
      <h3>Recommended runbooks</h3>
      <table>
        <thead>
          <tr>
            <th>Runbook</th>
            <th>Score</th>
            <th>Runs</th>
            <th>Fixed</th>
            <th>Success rate</th>
          </tr>
        </thead>
        <tbody>
          {analysis.recommendedRunbooks.map((runbook) => (
            <tr key={runbook.runbookId}>
              <td>
                <Link to={`/runbooks/${encodeURIComponent(runbook.runbookId)}`}>{runbook.title ?? runbook.runbookId}</Link>
              </td>
              <td>{runbook.score.toFixed(2)}</td>
              <td>{runbook.runs}</td>
              <td>{runbook.fixed}</td>
              <td>{percent(runbook.successRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function percent(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)}%`;
}
