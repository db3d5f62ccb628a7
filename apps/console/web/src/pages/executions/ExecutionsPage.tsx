import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useUrlFilters } from '../../ui/url-filters';
import { api } from '../../api/client';
import { SearchInput } from '../../ui/SearchInput';
import { useLiveEvents } from '../../live/events';
import { useLiveInvalidate } from '../../live/invalidate';
import { Empty, ErrorBox, Loading, StateBadge, Time } from '../../ui/common';
import { EXECUTION_STATUSES, formatDuration, type ExecutionPage, type ExecutionSummary } from './types';

const FILTERS = ['status', 'runbook', 'fingerprint', 'mode'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** Executions, newest first, filtered through the URL (so an alert's page can link to its runs); live. */
export function ExecutionsPage() {
  const { filters, setFilter } = useUrlFilters(FILTERS);
  const invalidate = useLiveInvalidate();
  const list = useInfiniteQuery({
    queryKey: ['executions', filters],
    queryFn: ({ pageParam, signal }) =>
      api<ExecutionPage>('runbook-executor', '/v1/executions', { query: { ...filters, limit: 50, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  useLiveEvents(['runbooks.execution.', 'runbooks.approval.'], () => invalidate(['executions']));
  const items = list.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section>
      <h1>Executions</h1>
      <FilterBar filters={filters} onChange={setFilter} />
      {list.isError && <ErrorBox error={list.error} />}
      {list.isPending ? <Loading /> : items.length === 0 ? <Empty>No executions match.</Empty> : <ExecutionTable items={items} />}
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          Older
        </button>
      )}
    </section>
  );
}

function FilterBar({ filters, onChange }: { filters: Filters; onChange: (name: keyof Filters, value: string) => void }) {
  return (
    <div className="toolbar">
      <label>
        State{' '}
        <select aria-label="state" value={filters.status ?? ''} onChange={(event) => onChange('status', event.target.value)}>
          <option value="">any</option>
          {EXECUTION_STATUSES.map((status) => (
            <option key={status}>{status}</option>
          ))}
        </select>
      </label>
      <label>
        Mode{' '}
        <select aria-label="mode" value={filters.mode ?? ''} onChange={(event) => onChange('mode', event.target.value)}>
          <option value="">any</option>
          <option>live</option>
          <option>dry_run</option>
          <option>drill</option>
        </select>
      </label>
      <SearchInput
        label="runbook"
        placeholder="runbook id"
        value={filters.runbook ?? ''}
        onCommit={(value) => onChange('runbook', value)}
      />
      <SearchInput
        label="fingerprint"
        placeholder="alert fingerprint"
        value={filters.fingerprint ?? ''}
        onCommit={(value) => onChange('fingerprint', value)}
      />
    </div>
  );
}

export function ExecutionTable({ items }: { items: ExecutionSummary[] }) {
  return (
    <table data-testid="executions">
      <thead>
        <tr>
          <th>State</th>
          <th>Runbook</th>
          <th>Alert</th>
          <th>Trigger</th>
          <th>Started</th>
          <th>Duration</th>
        </tr>
      </thead>
      <tbody>
        {items.map((execution) => (
          <tr key={execution.id} data-testid={`execution-${execution.id}`}>
            <td>
              <StateBadge state={execution.status} /> {execution.mode !== 'live' && <span className="badge">{execution.mode}</span>}
            </td>
            <td>
              <Link to={`/executions/${execution.id}`}>{execution.title ?? execution.runbookId}</Link>
              <div className="muted mono">{execution.runbookId}</div>
            </td>
            <td className="mono">
              {execution.fingerprint ? (
                <Link to={`/alerts/${encodeURIComponent(execution.fingerprint)}`}>{execution.fingerprint}</Link>
              ) : (
                '—'
              )}
            </td>
            <td>
              {execution.trigger}
              {execution.requestedBy && <span className="muted"> by {execution.requestedBy}</span>}
            </td>
            <td>
              <Time value={execution.startedAt ?? execution.createdAt} />
            </td>
            <td>{formatDuration(execution.durationMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
