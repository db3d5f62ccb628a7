import { Severity } from '@firebreak/contracts';
import { TierId } from '../core/burn-math';
import { SloDefinition } from '../definitions/slo-definition';
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
export function alertLabels(slo: SloDefinition, kind: AlertKind, severity: Severity = severityOf(kind)): Record<string, string> {
  const base = { ...slo.labels, slo: slo.id, service: slo.service, severity };
  if (kind === 'no-data') return { ...base, alertname: 'SLONoData' };
  if (kind === 'budget-exhausted') return { ...base, alertname: 'SLOErrorBudgetExhausted' };
  return { ...base, alertname: 'SLOBurnRate', burnrate_tier: kind };
}

/** Whether two label sets are the same: an alert whose labels changed is another alert (another fingerprint). */
export function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => b[key] === a[key]);
}

function noDataAlert(slo: SloDefinition, description: string): WantedAlert {
  return {
    kind: 'no-data',
    severity: severityOf('no-data'),
    labels: alertLabels(slo, 'no-data'),
    annotations: { summary: `SLO ${slo.id}: no data for its indicator`, description },
  };
}

/**
 * The verdict from a status. `observedForMs`: how long this SLO has been evaluated; the status already
 * says whether the last noDataAfter held data, so the no-data alert only waits until the reporter
 * watched that long (a fresh start must not call the time before it "no data").
 */
export function decide(status: SloStatus, observedForMs: number): Verdict {
  const { slo } = status;
  const firing: WantedAlert[] = [];
  const noData = slo.noDataAfterMs !== null && !status.hasData && observedForMs >= slo.noDataAfterMs;
  if (noData)
    firing.push(
      noDataAlert(
        slo,
        `No ${slo.indicator.source === 'prometheus' ? 'series' : 'events'} for ${Math.round(slo.noDataAfterMs! / 60_000)} min; a broken metric must not read as all good.`,
      ),
    );
  for (const verdict of status.tiers.filter((candidate) => candidate.firing)) {
    const { tier } = verdict;
    const severity = severityOf(tier.id);
    firing.push({
      kind: tier.id,
      severity,
      labels: alertLabels(slo, tier.id, severity),
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
      labels: alertLabels(slo, 'budget-exhausted'),
      annotations: {
        summary: `SLO ${slo.id} has spent its error budget`,
        description: `Compliance ${pct(status.compliance ?? 0)} against an objective of ${pct(slo.objective)} over ${slo.window.text}.`,
      },
    });
  const fastest = status.tiers.find((verdict) => verdict.firing)?.tier.id ?? null;
  const state: BudgetState = noData ? 'no_data' : exhausted ? 'exhausted' : fastest ? 'burning' : 'ok';
  return { firing, state, tier: fastest };
}

/**
 * The verdict when the indicator could not be read (Prometheus unreachable or refusing the query): the
 * alerts and state stay as they were (nothing says they cleared), and once nothing was read for
 * noDataAfter, the no-data alert fires: an outage of the metrics must not read as all good either.
 */
export function decideUnavailable(
  slo: SloDefinition,
  stored: { state: BudgetState; tier: string | null; firing: AlertKind[] },
  silentForMs: number,
  reason: string,
): Verdict {
  const noData = slo.noDataAfterMs !== null && silentForMs >= slo.noDataAfterMs;
  const firing: WantedAlert[] = stored.firing
    .filter((kind) => !(noData && kind === 'no-data'))
    .map((kind) => ({
      kind,
      severity: severityOf(kind),
      labels: alertLabels(slo, kind),
      annotations: { summary: `SLO ${slo.id}: ${kind} (its indicator cannot be read now)` },
    }));
  if (noData) firing.unshift(noDataAlert(slo, `The indicator could not be read for ${Math.round(silentForMs / 60_000)} min: ${reason}`));
  return { firing, state: noData ? 'no_data' : stored.state, tier: noData ? null : (stored.tier as TierId | null) };
}

function window(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes % 1440 === 0) return `${minutes / 1440}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}
