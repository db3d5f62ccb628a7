import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useUrlFilters } from '../../ui/url-filters';
import { api } from '../../api/client';
import { SearchInput } from '../../ui/SearchInput';
import { useSubmitOnce } from '../../ui/submit-once';
import { IfRole } from '../../auth/session';
import { Empty, ErrorBox, Loading, SeverityBadge, StateBadge, Time } from '../../ui/common';
import { ChannelsPanel } from './ChannelsPanel';
import { DELIVERY_STATUSES, type Channel, type Delivery, type DeliveryPage } from './types';

const FILTERS = ['channel', 'status', 'fingerprint'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** The delivery history (what went where), filtered through the URL; Retry on failed ones; the channels. */
export function NotificationsPage() {
  const { filters, setFilter } = useUrlFilters(FILTERS);
  const channels = useQuery({
    queryKey: ['channels'],
    queryFn: ({ signal }) => api<{ channels: Channel[] }>('notifier', '/v1/channels', { signal }),
  });
  const history = useInfiniteQuery({
    queryKey: ['notifications', filters],
    queryFn: ({ pageParam, signal }) =>
      api<DeliveryPage>('notifier', '/v1/notifications', { query: { ...filters, limit: 50, cursor: pageParam }, signal }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 10_000,
  });
  const items = history.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section>
      <h1>Notifications</h1>
      <DeliveryFilters filters={filters} channels={channels.data?.channels ?? []} onChange={setFilter} />
      {history.isError && <ErrorBox error={history.error} />}
      {history.isPending ? <Loading /> : items.length === 0 ? <Empty>No deliveries match.</Empty> : <DeliveryTable items={items} />}
      {history.hasNextPage && (
        <button type="button" onClick={() => void history.fetchNextPage()} disabled={history.isFetchingNextPage}>
          Older
        </button>
      )}
      <h2>Channels</h2>
      <ChannelsPanel channels={channels.data?.channels} error={channels.error} />
    </section>
  );
}

function DeliveryFilters({
  filters,
  channels,
  onChange,
}: {
  filters: Filters;
  channels: Channel[];
  onChange: (name: keyof Filters, value: string) => void;
}) {
  return (
    <div className="toolbar">
      <select aria-label="channel" value={filters.channel ?? ''} onChange={(event) => onChange('channel', event.target.value)}>
        <option value="">every channel</option>
        {channels.map((channel) => (
          <option key={channel.name}>{channel.name}</option>
        ))}
      </select>
      <select aria-label="status" value={filters.status ?? ''} onChange={(event) => onChange('status', event.target.value)}>
        <option value="">any status</option>
        {DELIVERY_STATUSES.map((status) => (
          <option key={status}>{status}</option>
        ))}
      </select>
      <SearchInput
        label="fingerprint"
        placeholder="alert fingerprint"
        value={filters.fingerprint ?? ''}
        onCommit={(value) => onChange('fingerprint', value)}
      />
    </div>
  );
}

function DeliveryTable({ items }: { items: Delivery[] }) {
  return (
    <table data-testid="deliveries">
      <thead>
        <tr>
          <th>Status</th>
          <th>Channel</th>
          <th>Notification</th>
          <th>Alert</th>
          <th>When</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {items.map((delivery) => (
          <tr key={delivery.id} data-testid={`delivery-${delivery.id}`}>
            <td>
              <StateBadge state={delivery.status} />{' '}
              <span className="muted">{delivery.attempts === 1 ? '1 attempt' : `${delivery.attempts} attempts`}</span>
            </td>
            <td>
              {delivery.channel} <span className="muted">{delivery.target}</span>
            </td>
            <td>
              <SeverityBadge severity={delivery.severity} /> {delivery.title} <span className="muted">({delivery.kind})</span>
              {delivery.lastError && <div className="error">{delivery.lastError}</div>}
            </td>
            <td className="mono">
              {delivery.fingerprint ? <Link to={`/alerts/${encodeURIComponent(delivery.fingerprint)}`}>{delivery.fingerprint}</Link> : '—'}
            </td>
            <td>
              <Time value={delivery.sentAt ?? delivery.createdAt} />
            </td>
            <td>
              {delivery.status === 'failed' && (
                <IfRole role="operator">
                  <RetryButton id={delivery.id} />
                </IfRole>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function RetryButton({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const once = useSubmitOnce();
  const retry = useMutation({
    mutationFn: () => api<Delivery>('notifier', `/v1/notifications/${encodeURIComponent(id)}/retry`, { method: 'POST' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['notifications'] }),
  });
  return (
    <>
      <button type="button" onClick={() => once(() => retry.mutateAsync())} disabled={retry.isPending}>
        Retry
      </button>
      {retry.isError && <ErrorBox error={retry.error} />}
    </>
  );
}
