import { useState } from 'react';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { useLiveEvents } from '../../live/events';
import { useLiveInvalidate } from '../../live/invalidate';
import { Empty, ErrorBox, Loading, StateBadge, Time } from '../../ui/common';
import type { Approval, ExecutionSummary } from '../executions/types';
import { DecisionButtons } from './DecisionButtons';

interface RunbookDetail {
  definition: { steps: Array<{ id: string; risk?: string }> } | null;
}

const STATUSES = ['pending', 'approved', 'rejected', 'expired', 'cancelled'] as const;

/** The inbox of approvals: waiting ones by default, with who asked and the step's risk, decided in place. */
export function ApprovalsPage() {
  const [status, setStatus] = useState<string>('pending');
  const invalidate = useLiveInvalidate();
  const approvals = useQuery({
    queryKey: ['approvals', status],
    queryFn: ({ signal }) =>
      api<{ items: Approval[] }>('runbook-executor', '/v1/approvals', { query: { status: status || undefined }, signal }),
  });
  useLiveEvents(['runbooks.approval.', 'runbooks.execution.'], () => invalidate(['approvals']));
  const items = approvals.data?.items ?? [];
  return (
    <section>
      <h1>Approvals</h1>
      <div className="toolbar">
        <label>
          Status{' '}
          <select aria-label="status" value={status} onChange={(event) => setStatus(event.target.value)}>
            {STATUSES.map((one) => (
              <option key={one}>{one}</option>
            ))}
            <option value="">any</option>
          </select>
        </label>
      </div>
      {approvals.isError && <ErrorBox error={approvals.error} />}
      {approvals.isPending ? <Loading /> : items.length === 0 ? <Empty>No {status} approvals.</Empty> : <ApprovalTable items={items} />}
    </section>
  );
}

/**
 * The approval API does not carry the step's risk or who started the run: both are read from the
 * runbook (its current definition) and the execution, one request per distinct id, for the pending
 * ones only (a page of decided approvals would cost a request per row).
 */
function useApprovalContext(items: Approval[]) {
  const pending = items.filter((item) => item.status === 'pending');
  const runbookIds = [...new Set(pending.map((item) => item.runbookId))];
  const executionIds = [...new Set(pending.map((item) => item.executionId))];
  const runbooks = useQueries({
    queries: runbookIds.map((id) => ({
      queryKey: ['runbook', id],
      queryFn: () => api<RunbookDetail>('runbook-executor', `/v1/runbooks/${encodeURIComponent(id)}`),
      staleTime: 60_000,
    })),
  });
  const executions = useQueries({
    queries: executionIds.map((id) => ({
      queryKey: ['execution', id],
      queryFn: () => api<ExecutionSummary>('runbook-executor', `/v1/executions/${encodeURIComponent(id)}`),
    })),
  });
  const riskOf = (approval: Approval) =>
    runbooks[runbookIds.indexOf(approval.runbookId)]?.data?.definition?.steps.find((step) => step.id === approval.stepId)?.risk;
  const executionOf = (approval: Approval) => executions[executionIds.indexOf(approval.executionId)]?.data;
  return { riskOf, executionOf };
}

function ApprovalTable({ items }: { items: Approval[] }) {
  const { riskOf, executionOf } = useApprovalContext(items);
  return (
    <table data-testid="approvals">
      <thead>
        <tr>
          <th>Runbook / step</th>
          <th>Risk</th>
          <th>Asked by</th>
          <th>Requested</th>
          <th>Expires</th>
          <th>Decision</th>
        </tr>
      </thead>
      <tbody>
        {items.map((approval) => {
          const execution = executionOf(approval);
          const risk = riskOf(approval);
          return (
            <tr key={approval.id} data-testid={`approval-${approval.id}`}>
              <td>
                <Link to={`/executions/${approval.executionId}`}>{approval.runbookId}</Link> ·{' '}
                <span className="mono">{approval.stepId}</span>
                <div>{approval.summary}</div>
              </td>
              <td>
                {risk ? <span className={`badge risk-${risk === 'high' ? 'high' : 'low'}`}>{risk}</span> : <span className="muted">—</span>}
              </td>
              <td>{execution ? (execution.requestedBy ?? execution.trigger) : <span className="muted">—</span>}</td>
              <td>
                <Time value={approval.requestedAt} />
              </td>
              <td>
                <Time value={approval.expiresAt} />
              </td>
              <td>
                {approval.status === 'pending' ? (
                  <DecisionButtons approval={approval} />
                ) : (
                  <>
                    <StateBadge state={approval.status} /> {approval.decidedBy && `by ${approval.decidedBy}`}{' '}
                    {approval.note && <span className="muted">— {approval.note}</span>}
                  </>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
