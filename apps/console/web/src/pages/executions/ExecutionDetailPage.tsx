import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client';
import { IfRole } from '../../auth/session';
import { useLiveEvents } from '../../live/events';
import { useLiveInvalidate } from '../../live/invalidate';
import { useSubmitOnce } from '../../ui/submit-once';
import { ErrorBox, Loading, StateBadge, Time } from '../../ui/common';
import { DecisionButtons } from '../approvals/DecisionButtons';
import { StepTimeline } from './StepTimeline';
import { ACTIVE, formatDuration, type ExecutionDetail } from './types';

/** One run: its live step timeline, pending approvals decided inline, and Cancel while it is active. */
export function ExecutionDetailPage() {
  const { id = '' } = useParams();
  const invalidate = useLiveInvalidate();
  const execution = useQuery({
    queryKey: ['execution', id],
    queryFn: ({ signal }) => api<ExecutionDetail>('runbook-executor', `/v1/executions/${encodeURIComponent(id)}`, { signal }),
    // A step's attempts are written without an event of their own; poll gently while the run is active.
    refetchInterval: (query) => (query.state.data && ACTIVE.includes(query.state.data.status) ? 3_000 : false),
  });
  useLiveEvents(['runbooks.execution.', 'runbooks.approval.'], (event) => {
    if (event.data.data.executionId === id) invalidate(['execution', id]);
  });
  if (execution.isPending) return <Loading />;
  if (execution.isError) return <ErrorBox error={execution.error} />;
  const run = execution.data;
  const pending = run.approvals.filter((approval) => approval.status === 'pending');
  return (
    <section>
      <p>
        <Link to="/executions">← Executions</Link>
      </p>
      <h1>
        {run.title ?? run.runbookId} <StateBadge state={run.status} />
      </h1>
      <Summary run={run} />
      {pending.map((approval) => (
        <div className="panel waiting" key={approval.id} data-testid="pending-approval">
          <strong>Waiting for approval</strong> of step <span className="mono">{approval.stepId}</span>: {approval.summary}{' '}
          <span className="muted">
            expires <Time value={approval.expiresAt} />
          </span>
          <DecisionButtons approval={approval} />
        </div>
      ))}
      {ACTIVE.includes(run.status) && !run.cancel && (
        <IfRole role="operator">
          <CancelForm id={run.id} />
        </IfRole>
      )}
      <h2>Steps</h2>
      <StepTimeline steps={run.steps} />
    </section>
  );
}

function Summary({ run }: { run: ExecutionDetail }) {
  return (
    <div className="panel">
      <dl className="facts">
        <dt>Runbook</dt>
        <dd>
          <Link to={`/runbooks/${encodeURIComponent(run.runbookId)}`}>{run.runbookId}</Link> <span className="badge">{run.mode}</span>
        </dd>
        <dt>Trigger</dt>
        <dd>
          {run.trigger}
          {run.requestedBy && ` by ${run.requestedBy}`}
          {run.reason && <span className="muted"> — {run.reason}</span>}
        </dd>
        <dt>Alert</dt>
        <dd className="mono">
          {run.fingerprint ? <Link to={`/alerts/${encodeURIComponent(run.fingerprint)}`}>{run.fingerprint}</Link> : '—'}
        </dd>
        <dt>Started</dt>
        <dd>
          <Time value={run.startedAt ?? run.createdAt} /> · {formatDuration(run.durationMs)}
        </dd>
        {run.statusReason && (
          <>
            <dt>Why</dt>
            <dd data-testid="status-reason">{run.statusReason}</dd>
          </>
        )}
        {run.cancel && (
          <>
            <dt>Cancel</dt>
            <dd>
              asked by {run.cancel.by} <Time value={run.cancel.requestedAt} />: {run.cancel.reason}
            </dd>
          </>
        )}
        {run.verification && (
          <>
            <dt>Verification</dt>
            <dd>
              <StateBadge state={run.verification.status} /> due <Time value={run.verification.dueAt} />
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}

function CancelForm({ id }: { id: string }) {
  const [reason, setReason] = useState('');
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () =>
      api('runbook-executor', `/v1/executions/${encodeURIComponent(id)}/cancel`, { method: 'POST', body: { reason: reason.trim() } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['execution', id] }),
  });
  const once = useSubmitOnce();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reason.trim()) once(() => cancel.mutateAsync());
  };
  return (
    <form className="toolbar" onSubmit={submit}>
      <input
        type="text"
        aria-label="cancel reason"
        placeholder="why cancel (required)"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <button type="submit" className="danger" disabled={!reason.trim() || cancel.isPending}>
        Cancel
      </button>
      {cancel.isError && <ErrorBox error={cancel.error} />}
    </form>
  );
}
