import { Counter, Gauge, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter {
  return (register.getSingleMetric(name) as Counter) ?? new Counter({ name, help, labelNames });
}
function gauge(name: string, help: string, labelNames: string[] = []): Gauge {
  return (register.getSingleMetric(name) as Gauge) ?? new Gauge({ name, help, labelNames });
}
function histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram {
  return (register.getSingleMetric(name) as Histogram) ?? new Histogram({ name, help, labelNames, buckets });
}

const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export const executorMetrics = {
  /** Live runs (automatic and manual) by final result; drills and dry runs are counted apart. */
  remediations: counter('firebreak_auto_remediation_total', 'Runbook executions (live) by runbook and result.', ['runbook', 'result']),
  remediationDuration: histogram(
    'firebreak_auto_remediation_duration_seconds',
    'Duration of live runbook executions, start to finish.',
    ['runbook', 'result'],
    DURATION_BUCKETS,
  ),
  executions: counter('firebreak_runbook_executions_total', 'Finished executions by runbook, mode and status.', [
    'runbook',
    'mode',
    'status',
  ]),
  drillDuration: histogram('firebreak_runbook_drill_duration_seconds', 'Duration of drills.', ['runbook', 'met_target'], DURATION_BUCKETS),
  stepDuration: histogram(
    'firebreak_runbook_step_duration_seconds',
    'Duration of step attempts by runbook, step type and status.',
    ['runbook', 'step_type', 'status'],
    [0.005, 0.01, 0.025, ...DURATION_BUCKETS],
  ),
  refusals: counter('firebreak_runbook_refusals_total', 'Steps a safety rule refused, by runbook and rule.', ['runbook', 'rule']),
  running: gauge('firebreak_runbook_executions_running', 'Executions this replica is running now.'),
  approvalsPending: gauge('firebreak_runbook_approvals_pending', 'Approvals waiting for a person (the same count on every replica).'),
  circuitOpen: gauge('firebreak_runbook_circuit_open', '1 while the runbook circuit breaker skips automatic runs.', ['runbook']),
  skipped: counter('firebreak_runbook_automatic_skipped_total', 'Automatic runs skipped by a safety rule.', ['runbook', 'rule']),
  loadErrors: gauge('firebreak_runbook_load_errors', 'Runbook files that failed validation at start.'),
};
