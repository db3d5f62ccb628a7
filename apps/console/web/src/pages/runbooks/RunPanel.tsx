import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { useSubmitOnce } from '../../ui/submit-once';
import { ErrorBox, Loading, StateBadge } from '../../ui/common';
import { pollEvery, TERMINAL, type ExecutionDetail } from './dry-run';
import type { ParamSpec } from './types';

interface Started {
  executionId: string;
  status: string;
  mode: 'live' | 'dry_run';
}

/** Run by hand (operator): a dry run first shows which steps would be skipped; a live run acts. */
export function RunPanel({ runbookId, params }: { runbookId: string; params: Record<string, ParamSpec> }) {
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(params).map(([name, spec]) => [name, spec.default === undefined ? '' : String(spec.default)])),
  );
  const [reason, setReason] = useState('');
  const once = useSubmitOnce();
  const run = useMutation({
    mutationFn: (mode: 'live' | 'dry_run') =>
      api<Started>('runbook-executor', `/v1/runbooks/${encodeURIComponent(runbookId)}/execute`, {
        method: 'POST',
        body: { mode, params: typedParams(params, values), ...(reason.trim() ? { reason: reason.trim() } : {}) },
      }),
  });
  return (
    <div className="panel" data-testid="run-panel">
      <h2>Run</h2>
      {Object.entries(params).map(([name, spec]) => (
        <label key={name} className="param">
          {name}
          {spec.required && ' *'}{' '}
          <input
            type="text"
            value={values[name] ?? ''}
            onChange={(event) => setValues({ ...values, [name]: event.target.value })}
            aria-label={name}
          />{' '}
          <span className="muted">{spec.description}</span>
        </label>
      ))}
      <div className="toolbar">
        <input
          type="text"
          placeholder="reason (optional)"
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          aria-label="Reason"
        />
        <button type="button" className="primary" disabled={run.isPending} onClick={() => once(() => run.mutateAsync('dry_run'))}>
          Dry run
        </button>
        <button
          type="button"
          className="danger"
          disabled={run.isPending}
          onClick={() =>
            // A live run acts on real systems: ask first (inside the guard, so a double click asks once).
            once(() =>
              window.confirm(`Run ${runbookId} live? Its steps will act on real systems.`) ? run.mutateAsync('live') : Promise.resolve(),
            )
          }
        >
          Run live
        </button>
      </div>
      {run.isError && <ErrorBox error={run.error} />}
      {run.data && <Progress key={run.data.executionId} started={run.data} />}
    </div>
  );
}

/** Typed as the runbook declares; the executor validates again and names a bad one. */
function typedParams(specs: Record<string, ParamSpec>, values: Record<string, string>): Record<string, unknown> {
  const typed: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const value = values[name] ?? '';
    if (value === '') continue;
    typed[name] = spec.type === 'number' ? Number(value) : spec.type === 'boolean' ? value === 'true' : value;
  }
  return typed;
}

function Progress({ started }: { started: Started }) {
  const execution = useQuery({
    queryKey: ['execution', started.executionId],
    queryFn: ({ signal }) =>
      api<ExecutionDetail>('runbook-executor', `/v1/executions/${encodeURIComponent(started.executionId)}`, { signal }),
    refetchInterval: (query) => pollEvery(query.state.status, query.state.data?.status),
  });
  const skipped = execution.data?.steps.filter((step) => step.outcome === 'skipped') ?? [];
  return (
    <div data-testid="run-result">
      <p>
        {started.mode === 'dry_run' ? 'Dry run' : 'Run'}{' '}
        <Link to={`/executions/${encodeURIComponent(started.executionId)}`}>{started.executionId}</Link>{' '}
        {execution.data && <StateBadge state={execution.data.status} />} <span className="muted">{execution.data?.statusReason}</span>
      </p>
      {execution.isPending && <Loading />}
      {execution.isError && <ErrorBox error={execution.error} />}
      {started.mode === 'dry_run' && execution.data && (
        <>
          <h3>Steps skipped{TERMINAL.includes(execution.data.status) ? '' : ' so far'}</h3>
          {skipped.length === 0 ? (
            <p className="muted">none</p>
          ) : (
            <ul data-testid="skipped-steps">
              {skipped.map((step) => (
                <li key={step.id}>
                  <strong>{step.id}</strong> {step.name && <span className="muted">{step.name}</span>} — {skipReason(step)}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

function skipReason(step: ExecutionDetail['steps'][number]): string {
  const record = step.attempts.find((attempt) => attempt.status === 'skipped');
  return record?.error ?? record?.outputExcerpt ?? 'skipped';
}
