import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { Empty, ErrorBox, Loading, StateBadge, Time } from '../../ui/common';

interface ExecutionSummary {
  id: string;
  runbookId: string;
  title: string | null;
  mode: string;
  trigger: string;
  status: string;
  statusReason: string | null;
  createdAt: string;
  durationMs: number | null;
}

interface Delivery {
  id: string;
  channel: string;
  kind: string;
  title: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** The runbook executions this alert triggered (the executor filters by fingerprint). */
export function ExecutionsPanel({ fingerprint }: { fingerprint: string }) {
  const executions = useQuery({
    queryKey: ['alert', fingerprint, 'executions'],
    queryFn: ({ signal }) =>
      api<{ items: ExecutionSummary[] }>('runbook-executor', '/v1/executions', { query: { fingerprint, limit: 50 }, signal }),
  });
  return (
    <div className="panel" data-testid="alert-executions">
      <h2>Executions</h2>
      {executions.isPending && <Loading />}
      {executions.isError && <ErrorBox error={executions.error} />}
      {executions.data?.items.length === 0 && <Empty>No runbook ran for this alert.</Empty>}
      {!!executions.data?.items.length && (
        <table>
          <thead>
            <tr>
              <th>Runbook</th>
              <th>State</th>
              <th>Mode</th>
              <th>Started</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {executions.data.items.map((execution) => (
              <tr key={execution.id}>
                <td>
                  <Link to={`/executions/${encodeURIComponent(execution.id)}`}>{execution.title ?? execution.runbookId}</Link>
                </td>
                <td>
                  <StateBadge state={execution.status} /> <span className="muted">{execution.statusReason}</span>
                </td>
                <td>
                  {execution.mode} <span className="muted">({execution.trigger})</span>
                </td>
                <td>
                  <Time value={execution.createdAt} />
                </td>
                <td>{execution.durationMs === null ? '—' : `${(execution.durationMs / 1000).toFixed(1)} s`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** Notifications sent about this alert (the notifier's delivery history by fingerprint). */
export function NotificationsPanel({ fingerprint }: { fingerprint: string }) {
  const deliveries = useQuery({
    queryKey: ['alert', fingerprint, 'notifications'],
    queryFn: ({ signal }) => api<{ items: Delivery[] }>('notifier', '/v1/notifications', { query: { fingerprint, limit: 50 }, signal }),
  });
  return (
    <div className="panel" data-testid="alert-notifications">
      <h2>Notifications</h2>
      {deliveries.isPending && <Loading />}
      {deliveries.isError && <ErrorBox error={deliveries.error} />}
      {deliveries.data?.items.length === 0 && <Empty>No notification was sent about this alert.</Empty>}
      {!!deliveries.data?.items.length && (
        <table>
          <thead>
            <tr>
              <th>Channel</th>
              <th>Kind</th>
              <th>State</th>
              <th>Title</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.items.map((delivery) => (
              <tr key={delivery.id}>
                <td>{delivery.channel}</td>
                <td>{delivery.kind}</td>
                <td>
                  <StateBadge state={delivery.status} /> {delivery.lastError && <span className="muted">{delivery.lastError}</span>}
                </td>
                <td>{delivery.title}</td>
                <td>
                  <Time value={delivery.sentAt ?? delivery.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
