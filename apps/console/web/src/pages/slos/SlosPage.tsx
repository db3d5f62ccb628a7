import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { useLiveEvents } from '../../live/events';
import { useLiveInvalidate } from '../../live/invalidate';
import { Empty, ErrorBox, Loading, StateBadge } from '../../ui/common';
import { burn, byRemainingBudget, percent, type Slo } from './types';

/** Every SLO, the one with the least error budget left first. */
export function SlosPage() {
  const invalidate = useLiveInvalidate();
  const slos = useQuery({
    queryKey: ['slos'],
    queryFn: ({ signal }) => api<{ items: Slo[] }>('slo-reporter', '/v1/slos', { signal }),
  });
  useLiveEvents(['slo.'], () => invalidate(['slos']));
  if (slos.isPending) return <Loading />;
  if (slos.isError) return <ErrorBox error={slos.error} />;
  const items = [...slos.data.items].sort(byRemainingBudget);
  return (
    <section>
      <h1>SLOs</h1>
      {items.length === 0 ? (
        <Empty>No SLOs defined (config/slos.yaml).</Empty>
      ) : (
        <table data-testid="slos">
          <thead>
            <tr>
              <th>SLO</th>
              <th>Status</th>
              <th>Budget left</th>
              <th>Objective</th>
              <th>Compliance</th>
              <th>Burn</th>
            </tr>
          </thead>
          <tbody>
            {items.map((slo) => (
              <tr key={slo.id} data-testid={`slo-${slo.id}`}>
                <td>
                  <Link to={`/slos/${encodeURIComponent(slo.id)}`}>{slo.displayName ?? slo.id}</Link>
                  <div className="muted">
                    {slo.service} · {slo.window}
                  </div>
                </td>
                <td>
                  <StateBadge state={slo.status} />
                </td>
                <td>
                  <BudgetBar ratio={slo.errorBudget?.remainingRatio ?? null} />
                </td>
                <td>{percent(slo.objective, 3)}</td>
                <td>{percent(slo.compliance, 3)}</td>
                <td className="muted">{slo.burnRates.map((rate) => `${rate.window} ${burn(rate.rate)}`).join(' · ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function BudgetBar({ ratio }: { ratio: number | null }) {
  if (ratio === null) return <span className="muted">no data</span>;
  const width = Math.max(0, Math.min(1, ratio)) * 100;
  return (
    <span className="budget" title={percent(ratio)}>
      <span className="budget-bar">
        <span className={`budget-fill ${ratio < 0.25 ? 'low' : ''}`} style={{ width: `${width}%` }} />
      </span>{' '}
      {percent(ratio, 1)}
    </span>
  );
}
