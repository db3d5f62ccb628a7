import { useQueries, useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { Empty, ErrorBox, Loading } from '../../ui/common';
import { percent } from '../alerts/AnalysisPanel';

interface Patterns {
  incident_patterns: Record<string, { common_solutions: string[]; runs: number }>;
  resolution_effectiveness: Record<string, { success_rate: number | null; runs: number; fixed: number; avg_time: string | null }>;
}

interface Mappings {
  runtime: Array<{ alertname: string; runbookId: string }>;
  file: { alertnames: Record<string, string> };
}

interface Recommendations {
  recommendations: Array<{ runbook_id: string; evidence: { runs: number; fixed: number; successRate: number | null } }>;
}

const MAX_ALERTS = 12;

/**
 * The runbook's success rate per alertname. No API gives it per runbook, so: the alertnames mapped to it
 * (mapper) or that it fixed (knowledge patterns), then each alertname's recommendations, whose evidence
 * is this runbook's runs and fixes for that alert.
 */
export function SuccessByAlert({ runbookId }: { runbookId: string }) {
  const patterns = useQuery({
    queryKey: ['knowledge-patterns'],
    queryFn: ({ signal }) => api<Patterns>('knowledge', '/v1/knowledge/patterns', { signal }),
  });
  const mappings = useQuery({ queryKey: ['mappings'], queryFn: ({ signal }) => api<Mappings>('mapper', '/v1/mappings', { signal }) });
  const alertnames = [
    ...new Set([
      ...Object.entries(patterns.data?.incident_patterns ?? {})
        .filter(([, pattern]) => pattern.common_solutions.includes(runbookId))
        .map(([name]) => name),
      ...(mappings.data?.runtime ?? []).filter((m) => m.runbookId === runbookId).map((m) => m.alertname),
      ...Object.entries(mappings.data?.file.alertnames ?? {})
        .filter(([, runbook]) => runbook === runbookId)
        .map(([name]) => name),
    ]),
  ].slice(0, MAX_ALERTS);
  const perAlert = useQueries({
    queries: alertnames.map((alertname) => ({
      queryKey: ['recommendations', alertname],
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        api<Recommendations>('knowledge', '/v1/knowledge/recommendations', { query: { alertname }, signal }),
    })),
  });
  const overall = patterns.data?.resolution_effectiveness[runbookId];
  return (
    <div className="panel" data-testid="success-by-alert">
      <h2>Success rate</h2>
      {(patterns.isPending || mappings.isPending) && <Loading />}
      {patterns.isError && <ErrorBox error={patterns.error} />}
      {mappings.isError && <ErrorBox error={mappings.error} />}
      {overall && (
        <p>
          Overall {percent(overall.success_rate)}{' '}
          <span className="muted">
            ({overall.fixed} fixed of {overall.runs} runs{overall.avg_time ? `, ${overall.avg_time} on average` : ''})
          </span>
        </p>
      )}
      {patterns.isSuccess && mappings.isSuccess && alertnames.length === 0 && (
        <Empty>Not mapped to any alert and no runs learnt yet.</Empty>
      )}
      {alertnames.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Alert</th>
              <th>Runs</th>
              <th>Fixed</th>
              <th>Success rate</th>
            </tr>
          </thead>
          <tbody>
            {alertnames.map((alertname, index) => {
              const evidence = perAlert[index]?.data?.recommendations.find((r) => r.runbook_id === runbookId)?.evidence;
              return (
                <tr key={alertname}>
                  <td>{alertname}</td>
                  <td>{evidence?.runs ?? 0}</td>
                  <td>{evidence?.fixed ?? 0}</td>
                  <td>{percent(evidence?.successRate)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
