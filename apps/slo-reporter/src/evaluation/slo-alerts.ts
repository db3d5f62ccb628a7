import { Severity } from '@firebreak/contracts';
import { TierId } from '../core/burn-math';
import { SloStatus } from './slo-status.service';

/** The alerts an SLO can raise, and its budget state, decided from a status without I/O. */

export type AlertKind = TierId | 'no-data' | 'budget-exhausted';
export type BudgetState = 'ok' | 'burning' | 'exhausted' | 'no_data';

export interface WantedAlert {
  kind: AlertKind;
  severity: Severity;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface Verdict {
  /** Alerts that should fire now; every other kind should be resolved. */
  firing: WantedAlert[];
  state: BudgetState;
  /** The fastest tier firing. */
  tier: TierId | null;
}

const pct = (ratio: number) => `${(ratio * 100).toFixed(3).replace(/\.?0+$/, '')}%`;

export function severityOf(kind: AlertKind): Severity {
  if (kind === 'no-data') return 'warning';
  if (kind === 'budget-exhausted') return 'error';
  return kind.startsWith('page') ? 'critical' : 'warning';
}

/** Labels of an SLO alert: stable, so its fingerprint is too (alertname, slo, tier; plus the SLO's own). */
export function alertLabels(status: SloStatus, kind: AlertKind, severity: Severity): Record<string, string> {
  const { slo } = status;
  const base = { ...slo.labels, slo: slo.id, service: slo.service, severity };
  if (kind === 'no-data') return { ...base, alertname: 'SLONoData' };
  if (kind === 'budget-exhausted') return { ...base, alertname: 'SLOErrorBudgetExhausted' };
  return { ...base, alertname: 'SLOBurnRate', burnrate_tier: kind };
}

export function decide(status: SloStatus, noDataForMs: number): Verdict {
  const { slo } = status;
  const firing: WantedAlert[] = [];
  const noData = slo.noDataAfterMs !== null && !status.hasData && noDataForMs >= slo.noDataAfterMs;
  if (noData)
    firing.push({
      kind: 'no-data',
      severity: severityOf('no-data'),
      labels: alertLabels(status, 'no-data', severityOf('no-data')),
      annotations: {
        summary: `SLO ${slo.id}: no data for its indicator`,
        description: `No ${slo.indicator.source === 'prometheus' ? 'series' : 'events'} for ${Math.round(noDataForMs / 60_000)} min; a broken metric must not read as all good.`,
      },
    });
  for (const verdict of status.tiers.filter((candidate) => candidate.firing)) {
    const { tier } = verdict;
    const severity = severityOf(tier.id);
    firing.push({
      kind: tier.id,
      severity,
      labels: alertLabels(status, tier.id, severity),
      annotations: {
        summary: `SLO ${slo.id} burns its error budget ${verdict.longBurn!.toFixed(1)}× too fast`,
        description: `Burn rate ${verdict.longBurn!.toFixed(2)}× over ${window(tier.longMs)} and ${verdict.shortBurn!.toFixed(2)}× over ${window(tier.shortMs)} (threshold ${tier.factor}×, objective ${pct(slo.objective)}).`,
      },
    });
  }
  // The same low-traffic guard: 2 failures of 3 events do not spend a month's budget in any useful sense.
  const exhausted = status.budget !== null && status.budget.remaining <= 0 && (status.counts?.total ?? 0) >= slo.minEvents;
  if (exhausted)
    firing.push({
      kind: 'budget-exhausted',
      severity: severityOf('budget-exhausted'),
      labels: alertLabels(status, 'budget-exhausted', severityOf('budget-exhausted')),
      annotations: {
        summary: `SLO ${slo.id} has spent its error budget`,
        description: `Compliance ${pct(status.compliance ?? 0)} against an objective of ${pct(slo.objective)} over ${slo.window.text}.`,
      },
    });
  const fastest = status.tiers.find((verdict) => verdict.firing)?.tier.id ?? null;
  const state: BudgetState = noData ? 'no_data' : exhausted ? 'exhausted' : fastest ? 'burning' : 'ok';
  return { firing, state, tier: fastest };
}

function window(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}
