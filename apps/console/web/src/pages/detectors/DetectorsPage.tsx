import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { useSubmitOnce } from '../../ui/submit-once';
import { IfRole } from '../../auth/session';
import { Empty, ErrorBox, Labels, Loading, SeverityBadge, StateBadge, Time } from '../../ui/common';
import { formatDuration } from '../executions/types';
import { DetectorRuns, RunStatus, type DetectorRun } from './DetectorRuns';

interface Detector {
  id: string;
  name?: string;
  description?: string;
  type: string;
  schedule: string;
  severity: string;
  enabled: boolean;
  labels: Record<string, string>;
  fingerprint: string;
  state: { status: string; consecutiveFailures: number; failingSince: string | null };
  lastResult: DetectorRun | null;
}

interface RunAnswer {
  total_checks: number;
  passed: number;
  failed: number;
  results: Array<{ detector: string; ok: boolean; msg: string }>;
}

/** The detectors of detectors.yaml with their last result; a row opens its recent runs; Run now (operator), Run all (admin). */
export function DetectorsPage() {
  const [selected, setSelected] = useState<string | null>(null);
  const detectors = useQuery({
    queryKey: ['detectors'],
    queryFn: ({ signal }) => api<{ detectors: Detector[] }>('detector-scheduler', '/v1/detectors', { signal }),
    refetchInterval: 15_000,
  });
  if (detectors.isPending) return <Loading />;
  if (detectors.isError) return <ErrorBox error={detectors.error} />;
  const items = detectors.data.detectors;
  return (
    <section>
      <h1>Detectors</h1>
      <IfRole role="admin">
        <RunButton label="Run all" path="/v1/detectors/run" />
      </IfRole>
      {items.length === 0 ? (
        <Empty>No detectors defined (config/detectors.yaml).</Empty>
      ) : (
        <table data-testid="detectors">
          <thead>
            <tr>
              <th>Detector</th>
              <th>State</th>
              <th>Schedule</th>
              <th>Last result</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((detector) => (
              <DetectorRow
                key={detector.id}
                detector={detector}
                selected={selected === detector.id}
                onToggle={() => setSelected(selected === detector.id ? null : detector.id)}
              />
            ))}
          </tbody>
        </table>
      )}
      {selected && <DetectorRuns id={selected} />}
    </section>
  );
}

function DetectorRow({ detector, selected, onToggle }: { detector: Detector; selected: boolean; onToggle: () => void }) {
  return (
    <tr className={`clickable ${selected ? 'selected' : ''}`} onClick={onToggle} data-testid={`detector-${detector.id}`}>
      <td>
        <strong>{detector.name ?? detector.id}</strong> <span className="muted mono">{detector.type}</span>{' '}
        <SeverityBadge severity={detector.severity} />
        {detector.description && <div className="muted">{detector.description}</div>}
        <Labels labels={detector.labels} />
      </td>
      <td>
        <StateBadge state={detector.state.status} />
        {detector.state.consecutiveFailures > 0 && <div className="muted">{detector.state.consecutiveFailures} failures in a row</div>}
      </td>
      <td className="muted">{schedule(detector.schedule)}</td>
      <td>
        {detector.lastResult ? (
          <>
            <RunStatus status={detector.lastResult.status} /> <Time value={detector.lastResult.startedAt} />
            <div>{detector.lastResult.message}</div>
          </>
        ) : (
          <span className="muted">never run</span>
        )}
      </td>
      <td onClick={(event) => event.stopPropagation()}>
        {detector.enabled && (
          <IfRole role="operator">
            <RunButton label="Run now" path={`/v1/detectors/${encodeURIComponent(detector.id)}/run`} />
          </IfRole>
        )}
      </td>
    </tr>
  );
}

function RunButton({ label, path }: { label: string; path: string }) {
  const queryClient = useQueryClient();
  const once = useSubmitOnce();
  const run = useMutation({
    mutationFn: () => api<RunAnswer>('detector-scheduler', path, { method: 'POST' }),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: ['detectors'] }),
        queryClient.invalidateQueries({ queryKey: ['detector-runs'] }),
      ]),
  });
  return (
    <span className="run-button">
      <button type="button" onClick={() => once(() => run.mutateAsync())} disabled={run.isPending}>
        {run.isPending ? 'Running…' : label}
      </button>
      {run.isError && <ErrorBox error={run.error} />}
      {run.data && (
        <span className="muted" role="status">
          {' '}
          {run.data.passed}/{run.data.total_checks} passed
        </span>
      )}
    </span>
  );
}

/** The API describes an interval as `every 60000 ms`; a cron pattern is shown as it is. */
function schedule(text: string): string {
  const interval = /^every (\d+) ms$/.exec(text);
  return interval ? `every ${formatDuration(Number(interval[1]))}` : text;
}
