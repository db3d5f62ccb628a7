import type { DashboardSpec } from './model';
import { quantile, rate, total } from './promql';

const DELIVERY = 'firebreak_notification_delivery_latency_seconds';

export const pipeline: DashboardSpec = {
  uid: 'firebreak-pipeline',
  title: 'Firebreak / Pipeline latency',
  description: 'From the webhook to the provider: end-to-end latency, the bus between services, consumer backlogs.',
  panels: [
    { row: 'End to end' },
    {
      type: 'stat',
      title: 'Delivery p50',
      description: "From the ingress's receipt of the alert to the provider's answer.",
      queries: [{ expr: quantile(0.5, DELIVERY) }],
      unit: 's',
      width: 6,
    },
    {
      type: 'stat',
      title: 'Delivery p99',
      queries: [{ expr: quantile(0.99, DELIVERY) }],
      unit: 's',
      width: 6,
      thresholds: [
        { value: 10, color: 'orange' },
        { value: 60, color: 'red' },
      ],
    },
    {
      type: 'stat',
      title: 'Messages pending (all consumers)',
      queries: [{ expr: 'sum(max by (stream, consumer) (firebreak_bus_consumer_pending))' }],
      width: 6,
      thresholds: [
        { value: 100, color: 'orange' },
        { value: 1000, color: 'red' },
      ],
    },
    {
      type: 'stat',
      title: 'Dead-lettered (1h)',
      queries: [{ expr: 'sum(increase(firebreak_bus_dead_lettered_total[1h]))' }],
      width: 6,
      thresholds: [{ value: 1, color: 'red' }],
    },
    {
      title: 'End-to-end delivery latency',
      queries: [
        { expr: quantile(0.5, DELIVERY), legend: 'p50' },
        { expr: quantile(0.9, DELIVERY), legend: 'p90' },
        { expr: quantile(0.99, DELIVERY), legend: 'p99' },
      ],
      unit: 's',
    },
    {
      title: 'End-to-end delivery latency p99 by channel',
      queries: [{ expr: quantile(0.99, DELIVERY, 'channel'), legend: '{{channel}}' }],
      unit: 's',
    },
    {
      title: 'Alert analysis latency',
      description: "From an alert's announcement to its analysis (knowledge).",
      queries: [
        { expr: quantile(0.5, 'firebreak_analysis_duration_seconds'), legend: 'p50' },
        { expr: quantile(0.99, 'firebreak_analysis_duration_seconds'), legend: 'p99' },
      ],
      unit: 's',
    },
    {
      title: 'Ingress publish p99',
      queries: [{ expr: quantile(0.99, 'firebreak_ingress_publish_duration_seconds'), legend: 'p99' }],
      unit: 's',
    },
    { row: 'Bus' },
    {
      title: 'Consumer pending',
      description: 'Messages waiting for (or being handled by) each durable consumer: its lag.',
      queries: [{ expr: 'max by (stream, consumer) (firebreak_bus_consumer_pending)', legend: '{{consumer}}' }],
    },
    {
      title: 'Handler duration p99 by consumer',
      queries: [{ expr: quantile(0.99, 'firebreak_bus_handler_duration_seconds', 'consumer'), legend: '{{consumer}}' }],
      unit: 's',
    },
    {
      title: 'Messages settled by result',
      queries: [{ expr: rate('firebreak_bus_consumed_total', 'result'), legend: '{{result}}' }],
      unit: 'ops',
    },
    {
      title: 'Events published by subject',
      queries: [{ expr: rate('firebreak_bus_published_total', 'subject'), legend: '{{subject}}' }],
      unit: 'ops',
    },
    {
      title: 'Publish failures, duplicates, dead letters',
      queries: [
        { expr: total('firebreak_bus_publish_failed_total'), legend: 'publish failed' },
        { expr: total('firebreak_bus_publish_duplicates_total'), legend: 'duplicates dropped' },
        { expr: total('firebreak_bus_dead_lettered_total'), legend: 'dead-lettered' },
        { expr: total('firebreak_outbox_dead_total'), legend: 'outbox rows set aside' },
      ],
      unit: 'ops',
    },
    {
      title: 'Instances connected to NATS',
      queries: [{ expr: 'sum by (job) (firebreak_bus_connected)', legend: '{{job}}' }],
    },
  ],
};
