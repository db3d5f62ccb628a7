import type { DashboardSpec } from './model';
import { quantile, rate } from './promql';

const RUNBOOK = '{runbook=~"$runbook"}';

export const executions: DashboardSpec = {
  uid: 'firebreak-executions',
  title: 'Firebreak / Executions',
  description: 'Runbook executions: outcomes, durations, safety refusals, circuit breakers and approvals.',
  variables: [{ name: 'runbook', label: 'Runbook', query: 'label_values(firebreak_runbook_executions_total, runbook)' }],
  panels: [
    {
      type: 'stat',
      title: 'Running now',
      queries: [{ expr: 'sum(firebreak_runbook_executions_running)' }],
      width: 6,
    },
    {
      type: 'stat',
      title: 'Approvals waiting',
      description: 'The same count on every replica.',
      queries: [{ expr: 'max(firebreak_runbook_approvals_pending)' }],
      width: 6,
      thresholds: [{ value: 1, color: 'orange' }],
    },
    {
      type: 'stat',
      title: 'Circuit breakers open',
      queries: [{ expr: `count(max by (runbook) (firebreak_runbook_circuit_open${RUNBOOK}) > 0) or vector(0)` }],
      width: 6,
      thresholds: [{ value: 1, color: 'red' }],
    },
    {
      type: 'stat',
      title: 'Runbook files rejected at start',
      queries: [{ expr: 'max(firebreak_runbook_load_errors)' }],
      width: 6,
      thresholds: [{ value: 1, color: 'red' }],
    },
    {
      title: 'Live executions by runbook and result',
      queries: [
        {
          expr: rate('firebreak_auto_remediation_total', 'runbook, result', RUNBOOK),
          legend: '{{runbook}} {{result}}',
        },
      ],
      unit: 'ops',
    },
    {
      title: 'Finished executions by mode and status',
      queries: [{ expr: rate('firebreak_runbook_executions_total', 'mode, status', RUNBOOK), legend: '{{mode}} {{status}}' }],
      unit: 'ops',
    },
    {
      title: 'Execution duration by runbook',
      queries: [
        {
          expr: quantile(0.5, 'firebreak_auto_remediation_duration_seconds', 'runbook', RUNBOOK),
          legend: 'p50 {{runbook}}',
        },
        {
          expr: quantile(0.95, 'firebreak_auto_remediation_duration_seconds', 'runbook', RUNBOOK),
          legend: 'p95 {{runbook}}',
        },
      ],
      unit: 's',
    },
    {
      title: 'Step duration p95 by step type',
      queries: [
        {
          expr: quantile(0.95, 'firebreak_runbook_step_duration_seconds', 'step_type', RUNBOOK),
          legend: '{{step_type}}',
        },
      ],
      unit: 's',
    },
    {
      title: 'Refusals by runbook and rule',
      description: 'Steps a safety rule refused (allow-lists, labels that tried to become commands, hosts or SQL).',
      queries: [{ expr: rate('firebreak_runbook_refusals_total', 'runbook, rule', RUNBOOK), legend: '{{runbook}} {{rule}}' }],
      unit: 'ops',
    },
    {
      title: 'Automatic runs skipped by rule',
      queries: [
        {
          expr: rate('firebreak_runbook_automatic_skipped_total', 'runbook, rule', RUNBOOK),
          legend: '{{runbook}} {{rule}}',
        },
      ],
      unit: 'ops',
    },
    {
      title: 'Circuit breakers',
      description: '1 while the circuit breaker of a runbook skips its automatic runs.',
      queries: [{ expr: `max by (runbook) (firebreak_runbook_circuit_open${RUNBOOK})`, legend: '{{runbook}}' }],
    },
    {
      title: 'Approvals waiting and executions running',
      queries: [
        { expr: 'max(firebreak_runbook_approvals_pending)', legend: 'approvals waiting' },
        { expr: 'sum(firebreak_runbook_executions_running)', legend: 'running' },
      ],
    },
    {
      title: 'Runbooks requested by the mapper',
      queries: [
        { expr: rate('firebreak_runbooks_requested_total', 'runbook', RUNBOOK), legend: 'requested {{runbook}}' },
        {
          expr: rate('firebreak_runbooks_suppressed_total', 'runbook', RUNBOOK),
          legend: 'suppressed (automation off) {{runbook}}',
        },
      ],
      unit: 'ops',
    },
    {
      title: 'Drill duration p95',
      queries: [
        {
          expr: quantile(0.95, 'firebreak_runbook_drill_duration_seconds', 'runbook, met_target', RUNBOOK),
          legend: '{{runbook}} met target: {{met_target}}',
        },
      ],
      unit: 's',
    },
  ],
};
