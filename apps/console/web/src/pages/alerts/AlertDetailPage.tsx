import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client';
import { useLiveEvents } from '../../live/events';
import { useLiveInvalidate } from '../../live/invalidate';
import { Empty, ErrorBox, Labels, Loading, SafeLink, SeverityBadge, StateBadge, Time } from '../../ui/common';
import { AlertActions } from './AlertActions';
import { AnalysisPanel } from './AnalysisPanel';
import { ExecutionsPanel, NotificationsPanel } from './AlertRelated';
import type { AlertDetail, HistoryEntry } from './types';

export function AlertDetailPage() {
  const fingerprint = useParams().fingerprint ?? '';
  const invalidate = useLiveInvalidate();
  const alert = useQuery({
    queryKey: ['alert', fingerprint],
    queryFn: ({ signal }) => api<AlertDetail>('mapper', `/v1/alerts/${encodeURIComponent(fingerprint)}`, { signal }),
  });
  // Every part of this page may change with the alert, its analysis or a run of its runbook: only this alert's events count.
  useLiveEvents(['alerts.', 'runbooks.execution.'], (event) => {
    if (event.data.data.fingerprint === fingerprint) invalidate(['alert', fingerprint]);
  });
  if (alert.isPending) return <Loading />;
  if (alert.isError) return <ErrorBox error={alert.error} />;
  const a = alert.data;
  return (
    <section>
      <h1>
        {a.alertname} <StateBadge state={a.status} /> <SeverityBadge severity={a.severity} />
      </h1>
      <AlertHeader alert={a} />
      <div className="grid-2 align-top">
        <div className="panel">
          <h2>History</h2>
          <History entries={a.history} />
        </div>
        <AnalysisPanel fingerprint={fingerprint} />
      </div>
      <ExecutionsPanel fingerprint={fingerprint} />
      <NotificationsPanel fingerprint={fingerprint} />
    </section>
  );
}

function History({ entries }: { entries: HistoryEntry[] }) {
  if (entries.length === 0) return <Empty>No history.</Empty>;
  return (
    <ol className="timeline" data-testid="history">
      {entries.map((entry) => (
        <li key={entry.id}>
          <Time value={entry.at} /> <strong>{entry.action}</strong>
          {entry.to && (
            <>
              {' '}
              {entry.from ?? '—'} → <StateBadge state={entry.to} />
            </>
          )}
          {entry.actor && <span className="muted"> by {entry.actor}</span>}
          {entry.note && <div className="prose-text">{entry.note}</div>}
        </li>
      ))}
    </ol>
  );
}

function AlertHeader({ alert: a }: { alert: AlertDetail }) {
  return (
    <div className="panel">
      <p>
        <Labels labels={a.labels} />
      </p>
      {Object.entries(a.annotations).map(([name, value]) => (
        <p key={name}>
          <span className="muted">{name}:</span> <span className="prose-text">{value}</span>
        </p>
      ))}
      <p className="muted">
        fingerprint <code>{a.fingerprint}</code> · source {a.source} · started <Time value={a.startsAt} /> · seen {a.occurrences}×
        {a.generatorURL && (
          <>
            {' '}
            · <SafeLink href={a.generatorURL}>source graph</SafeLink>
          </>
        )}
      </p>
      {a.runbook && (
        <p>
          Runbook <Link to={`/runbooks/${encodeURIComponent(a.runbook.id)}`}>{a.runbook.id}</Link> <StateBadge state={a.runbook.status} />
          {a.runbook.executionId && (
            <>
              {' '}
              · <Link to={`/executions/${encodeURIComponent(a.runbook.executionId)}`}>execution</Link>
            </>
          )}
          {a.runbook.reason && <span className="muted"> · {a.runbook.reason}</span>}
        </p>
      )}
      <AlertActions alert={a} />
    </div>
  );
}
