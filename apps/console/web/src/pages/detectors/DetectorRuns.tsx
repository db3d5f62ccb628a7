import { useQuery } from '@tanstack/react-query';
import { api } from '../../api/client';
import { Empty, ErrorBox, Loading, StateBadge, Time } from '../../ui/common';

export interface DetectorRun {
  runId: string;
  trigger: string;
  status: 'pass' | 'fail' | 'error';
  value: number | null;
  message: string;
  startedAt: string;
  durationMs: number;
  alert: 'raised' | 'resolved' | null;
  actor?: string;
}

const STATE_OF_RUN = { pass: 'ok', fail: 'failed', error: 'failed' } as const;

export function RunStatus({ status }: { status: DetectorRun['status'] }) {
  return <span className={`badge state-${STATE_OF_RUN[status] ?? 'other'}`}>{status}</span>;
}

/** A detector's most recent stored runs. */
export function DetectorRuns({ id }: { id: string }) {
  const runs = useQuery({
    queryKey: ['detector-runs', id],
    queryFn: ({ signal }) =>
      api<{ runs: DetectorRun[] }>('detector-scheduler', `/v1/detectors/${encodeURIComponent(id)}/runs`, { query: { limit: 20 }, signal }),
  });
  return (
    <div className="panel" data-testid="detector-runs">
      <h2>Recent runs of {id}</h2>
      {runs.isPending ? (
        <Loading />
      ) : runs.isError ? (
        <ErrorBox error={runs.error} />
      ) : runs.data.runs.length === 0 ? (
        <Empty>No runs stored yet.</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Started</th>
              <th>Result</th>
              <th>Value</th>
              <th>Message</th>
              <th>Trigger</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.runs.map((run) => (
              <tr key={run.runId}>
                <td>
                  <Time value={run.startedAt} /> <span className="muted">{run.durationMs} ms</span>
                </td>
                <td>
                  <RunStatus status={run.status} /> {run.alert && <StateBadge state={run.alert === 'raised' ? 'firing' : 'resolved'} />}
                </td>
                <td className="mono">{run.value ?? '—'}</td>
                <td>{run.message}</td>
                <td>
                  {run.trigger}
                  {run.actor && <span className="muted"> by {run.actor}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
