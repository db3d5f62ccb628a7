import type { DashboardSpec } from './model';
import { quantile, rate, total } from './promql';

export const intake: DashboardSpec = {
  uid: 'firebreak-intake',
  title: 'Firebreak / Intake',
  description: 'Alerts arriving at the ingress and what the mapper makes of them.',
  panels: [
    { row: 'Ingress' },
    {
      type: 'stat',
      title: 'Alerts received /s',
      queries: [{ expr: total('firebreak_alerts_received_total') }],
      unit: 'ops',
      width: 6,
    },
    {
      type: 'stat',
      title: 'Requests rejected /s',
      queries: [{ expr: total('firebreak_ingress_rejected_total') }],
      unit: 'ops',
      width: 6,
      thresholds: [{ value: 0.01, color: 'orange' }],
    },
    {
      type: 'stat',
      title: 'Ingress p99 latency',
      queries: [{ expr: quantile(0.99, 'firebreak_ingress_request_duration_seconds') }],
      unit: 's',
      width: 6,
      thresholds: [
        { value: 0.5, color: 'orange' },
        { value: 2, color: 'red' },
      ],
    },
    {
      type: 'stat',
      title: 'Alerts not resolved',
      queries: [{ expr: 'sum(max by (severity, status) (firebreak_alerts_active))' }],
      width: 6,
    },
    {
      title: 'Alerts received by source and status',
      description: 'Accepted once JetStream acknowledged them (resends it dropped as duplicates included).',
      queries: [{ expr: rate('firebreak_alerts_received_total', 'source, status'), legend: '{{source}} {{status}}' }],
      unit: 'ops',
    },
    {
      title: 'Requests rejected by reason',
      queries: [{ expr: rate('firebreak_ingress_rejected_total', 'reason'), legend: '{{reason}}' }],
      unit: 'ops',
    },
    {
      title: 'Ingress latency',
      description: 'Time to answer a request to the alert endpoints.',
      queries: [
        { expr: quantile(0.5, 'firebreak_ingress_request_duration_seconds'), legend: 'p50' },
        { expr: quantile(0.99, 'firebreak_ingress_request_duration_seconds'), legend: 'p99' },
      ],
      unit: 's',
    },
    {
      title: 'Publish latency (until JetStream acknowledged)',
      queries: [
        { expr: quantile(0.5, 'firebreak_ingress_publish_duration_seconds', 'outcome'), legend: 'p50 {{outcome}}' },
        { expr: quantile(0.99, 'firebreak_ingress_publish_duration_seconds', 'outcome'), legend: 'p99 {{outcome}}' },
      ],
      unit: 's',
    },
    {
      title: 'Requests by endpoint and status',
      queries: [
        {
          expr: rate('firebreak_ingress_request_duration_seconds_count', 'endpoint, status'),
          legend: '{{endpoint}} {{status}}',
        },
      ],
      unit: 'ops',
    },
    {
      title: 'Alerts cut to fit',
      description: 'Alerts Alertmanager left out (max_alerts) and alerts whose annotations were cut to fit a NATS message.',
      queries: [
        { expr: total('firebreak_ingress_truncated_alerts_total'), legend: 'left out by Alertmanager' },
        { expr: total('firebreak_ingress_cut_annotations_total'), legend: 'annotations cut' },
      ],
      unit: 'ops',
    },
    { row: 'Mapper' },
    {
      title: 'Alerts not resolved by severity',
      description: 'Read from Postgres at scrape time: every replica reports the same count.',
      queries: [{ expr: 'max by (severity, status) (firebreak_alerts_active)', legend: '{{severity}} {{status}}' }],
    },
    {
      title: 'Announcements by kind',
      queries: [{ expr: rate('firebreak_alerts_sent_total', 'kind'), legend: '{{kind}}' }],
      unit: 'ops',
    },
    {
      title: 'Deduplicated, silenced, stale',
      queries: [
        { expr: total('firebreak_alerts_deduplicated_total'), legend: 'deduplicated' },
        { expr: total('firebreak_alerts_silenced_total'), legend: 'silenced' },
        { expr: total('firebreak_alerts_stale_total'), legend: 'stale' },
        { expr: total('firebreak_alerts_clock_skew_clamped_total'), legend: 'clock skew clamped' },
      ],
      unit: 'ops',
    },
    {
      title: 'Escalations by reason',
      queries: [{ expr: rate('firebreak_alerts_escalated_total', 'reason'), legend: '{{reason}}' }],
      unit: 'ops',
    },
  ],
};
