import { Counter, Gauge, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter {
  return (register.getSingleMetric(name) as Counter) ?? new Counter({ name, help, labelNames });
}
function gauge(name: string, help: string, labelNames: string[]): Gauge {
  return (register.getSingleMetric(name) as Gauge) ?? new Gauge({ name, help, labelNames });
}

export const sloMetrics = {
  violations: counter(
    'firebreak_slo_violation_total',
    'Times an SLO started violating: a burn-rate tier or the budget-exhausted alert began firing.',
    ['slo'],
  ),
  budgetRemaining: gauge(
    'firebreak_slo_error_budget_remaining_ratio',
    'Error budget left over the SLO window: 1 untouched, 0 spent, below 0 overspent.',
    ['slo'],
  ),
  burnRate: gauge('firebreak_slo_burn_rate', 'Burn rate per window (1 spends the budget exactly over the SLO window).', ['slo', 'window']),
};
