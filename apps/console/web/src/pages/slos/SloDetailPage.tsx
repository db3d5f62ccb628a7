import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api } from '../../api/client';
import { useLiveEvents } from '../../live/events';
import { useLiveInvalidate } from '../../live/invalidate';
import { ErrorBox, Loading, StateBadge, Time } from '../../ui/common';
import { BurnChart } from './BurnChart';
import { ComplianceRange } from './ComplianceRange';
import { BudgetBar } from './SlosPage';
import { burn, percent, type SloDetail, type Tier } from './types';

const STEPS = ['1h', '6h', '1d'] as const;

/** One SLO: the budget-burn chart, each burn tier against its threshold, and compliance for a date range. */
export function SloDetailPage() {
  const { id = '' } = useParams();
  const [step, setStep] = useState<(typeof STEPS)[number]>('1h');
  const invalidate = useLiveInvalidate();
  const slo = useQuery({
    queryKey: ['slo', id, step],
    queryFn: ({ signal }) => api<SloDetail>('slo-reporter', `/v1/slos/${encodeURIComponent(id)}`, { query: { step }, signal }),
  });
  useLiveEvents(['slo.'], (event) => {
    if (event.data.data.sloId === id) invalidate(['slo', id]);
  });
  if (slo.isPending) return <Loading />;
  if (slo.isError) return <ErrorBox error={slo.error} />;
  const data = slo.data;
  return (
    <section>
      <p>
        <Link to="/slos">← SLOs</Link>
      </p>
      <h1>
        {data.displayName ?? data.id} <StateBadge state={data.status} />
      </h1>
      <p className="muted">
        {data.description} · objective {percent(data.objective, 3)} over {data.window} ({data.budgetingMethod}, {data.source}) · compliance{' '}
        {percent(data.compliance, 3)}
      </p>
      <p>
        Error budget left: <BudgetBar ratio={data.errorBudget?.remainingRatio ?? null} />
        {data.alerts.map((alert) => (
          <span key={alert.kind} className="badge state-firing">
            {alert.kind} since <Time value={alert.since} />
          </span>
        ))}
      </p>
      <div className="panel">
        <div className="toolbar">
          <strong>Budget burn</strong>
          <label>
            Step{' '}
            <select aria-label="step" value={step} onChange={(event) => setStep(event.target.value as (typeof STEPS)[number])}>
              {STEPS.map((one) => (
                <option key={one}>{one}</option>
              ))}
            </select>
          </label>
        </div>
        <BurnChart points={data.series.points} objective={data.objective} />
      </div>
      <h2>Burn tiers</h2>
      <TierTable tiers={data.tiers} />
      <h2>Compliance</h2>
      <ComplianceRange sloId={data.id} />
    </section>
  );
}

function TierTable({ tiers }: { tiers: Tier[] }) {
  return (
    <table data-testid="tiers">
      <thead>
        <tr>
          <th>Tier</th>
          <th>Threshold</th>
          <th>Long window</th>
          <th>Short window</th>
          <th>State</th>
        </tr>
      </thead>
      <tbody>
        {tiers.map((tier) => (
          <tr key={tier.tier}>
            <td>{tier.tier}</td>
            <td>{burn(tier.factor)}</td>
            <td className={over(tier.longBurn, tier.factor)}>
              {tier.longWindow ?? '—'}: {burn(tier.longBurn)}
            </td>
            <td className={over(tier.shortBurn, tier.factor)}>
              {tier.shortWindow ?? '—'}: {burn(tier.shortBurn)}
            </td>
            <td>
              {tier.firing ? <StateBadge state="firing" /> : <StateBadge state="ok" />}
              {tier.guardedByMinEvents && <span className="muted"> burning, too few events to fire</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const over = (rate: number | null, factor: number) => (rate !== null && rate >= factor ? 'over' : '');
