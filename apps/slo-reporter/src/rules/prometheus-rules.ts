import { stringify } from 'yaml';
import { promDuration, tiersFor, THIRTY_DAYS_MS, windowsNeeded } from '../core/burn-math';
import { SloDefinition } from '../definitions/slo-definition';
import { fill } from '../indicators/indicator.service';
import { severityOf } from '../evaluation/slo-alerts';

/**
 * Prometheus recording and alerting rules for a Prometheus ratio SLO, in the shape Sloth generates
 * (`slo:sli_error:ratio_rate<window>`), for teams that want Prometheus to evaluate the same tiers the
 * reporter does: same windows, same factors, same low-traffic guard and labels.
 */
export function prometheusRules(slo: SloDefinition): { text: string } | { problem: string } {
  const indicator = slo.indicator;
  if (indicator.source !== 'prometheus' || indicator.kind !== 'ratio')
    return { problem: `SLO ${slo.id} is not a Prometheus ratio SLO: its indicator is evaluated by the reporter only` };
  const periodMs = slo.window.kind === 'rolling' ? slo.window.ms : THIRTY_DAYS_MS;
  const tiers = tiersFor(periodMs);
  const selector = `{slo=${JSON.stringify(slo.id)}}`;
  const labels = { slo: slo.id, service: slo.service };
  const budget = Number((1 - slo.objective).toPrecision(12));
  const name = (kind: string, window: number) => `slo:${kind}${promDuration(window)}`;

  const recording = windowsNeeded(tiers, periodMs).flatMap((ms) => {
    const window = promDuration(ms);
    const total = `(${fill(indicator.total, window)})`;
    const bad = indicator.bad ? `(${fill(indicator.bad, window)})` : `(${total} - (${fill(indicator.good!, window)}))`;
    return [
      { record: name('sli_error:ratio_rate', ms), expr: `${bad} / ${total}`, labels },
      { record: name('sli_total:increase', ms), expr: total, labels },
    ];
  });
  const alerting: object[] = tiers.map((tier) => {
    const threshold = `(${tier.factor} * ${budget})`;
    return {
      alert: 'SLOBurnRate',
      expr: [
        // >= as the reporter decides: a burn of exactly the factor fires in both.
        `(${name('sli_error:ratio_rate', tier.longMs)}${selector} >= ${threshold}`,
        `and ${name('sli_error:ratio_rate', tier.shortMs)}${selector} >= ${threshold})`,
        // The low-traffic guard: a handful of requests must not page.
        `and ${name('sli_total:increase', tier.shortMs)}${selector} >= ${slo.minEvents}`,
      ].join('\n'),
      labels: { ...slo.labels, ...labels, severity: severityOf(tier.id), burnrate_tier: tier.id },
      annotations: {
        summary: `SLO ${slo.id} burns its error budget ${tier.factor}× too fast`,
        description: `Error ratio above ${tier.factor}× the budget over ${promDuration(tier.longMs)} and ${promDuration(tier.shortMs)}.`,
      },
    };
  });
  alerting.push({
    alert: 'SLOErrorBudgetExhausted',
    expr: [
      `${name('sli_error:ratio_rate', periodMs)}${selector} >= ${budget}`,
      // The reporter's guard on the budget too: 2 failures of 3 requests do not spend a month's budget.
      `and ${name('sli_total:increase', periodMs)}${selector} >= ${slo.minEvents}`,
    ].join('\n'),
    labels: { ...slo.labels, ...labels, severity: severityOf('budget-exhausted') },
    annotations: { summary: `SLO ${slo.id} has spent its error budget over ${slo.window.text}` },
  });
  if (slo.noDataAfterMs !== null)
    alerting.push({
      alert: 'SLONoData',
      expr: `absent(${name('sli_total:increase', tiers[0].shortMs)}${selector})`,
      for: promDuration(slo.noDataAfterMs),
      labels: { ...slo.labels, ...labels, severity: severityOf('no-data') },
      annotations: { summary: `SLO ${slo.id}: no data for its indicator` },
    });
  // Prometheus has no calendar windows: a calendar-month SLO gets rolling 30-day rules (the reporter's
  // own budget follows the UTC month; its burn tiers are the 30-day ones, as here). Said in the file.
  const header =
    slo.window.kind === 'calendar'
      ? `# SLO ${slo.id} is budgeted over the UTC calendar month; Prometheus has no calendar windows, so these rules\n# use a rolling 30-day window for the budget (the burn-rate tiers are the reporter's own 30-day tiers).\n`
      : '';
  return {
    text:
      header +
      stringify(
        {
          groups: [
            { name: `slo-${slo.id}-recordings`, rules: recording },
            { name: `slo-${slo.id}-alerts`, rules: alerting },
          ],
        },
        { lineWidth: 0 },
      ),
  };
}
