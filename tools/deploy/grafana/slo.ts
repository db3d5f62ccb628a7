import type { DashboardSpec } from './model';

const SLO = '{slo=~"$slo"}';

export const slo: DashboardSpec = {
  uid: 'firebreak-slo',
  title: 'Firebreak / SLO budgets',
  description: 'Error budgets and multi-window burn rates as the slo-reporter computes them.',
  variables: [{ name: 'slo', label: 'SLO', query: 'label_values(firebreak_slo_error_budget_remaining_ratio, slo)' }],
  panels: [
    {
      type: 'stat',
      title: 'Error budget remaining',
      description: '1 untouched, 0 spent, below 0 overspent (over the SLO window).',
      queries: [{ expr: `min by (slo) (firebreak_slo_error_budget_remaining_ratio${SLO})`, legend: '{{slo}}' }],
      unit: 'percentunit',
      width: 12,
      baseColor: 'red',
      thresholds: [
        { value: 0.1, color: 'orange' },
        { value: 0.25, color: 'green' },
      ],
    },
    {
      type: 'stat',
      title: 'Violations started (24h)',
      queries: [{ expr: `sum by (slo) (increase(firebreak_slo_violation_total${SLO}[24h]))`, legend: '{{slo}}' }],
      width: 12,
      thresholds: [{ value: 1, color: 'red' }],
    },
    {
      title: 'Error budget remaining over time',
      queries: [{ expr: `min by (slo) (firebreak_slo_error_budget_remaining_ratio${SLO})`, legend: '{{slo}}' }],
      unit: 'percentunit',
      width: 24,
    },
    {
      title: 'Burn rate per window',
      description: '1 spends the budget exactly over the SLO window; pages start at 14.4 (1h and 5m) and 6 (6h and 30m).',
      queries: [{ expr: `max by (slo, window) (firebreak_slo_burn_rate${SLO})`, legend: '{{slo}} {{window}}' }],
    },
    {
      title: 'Highest burn rate per SLO',
      queries: [{ expr: `max by (slo) (firebreak_slo_burn_rate${SLO})`, legend: '{{slo}}' }],
    },
  ],
};
