import { Counter, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[] = []): Counter {
  return (register.getSingleMetric(name) as Counter) ?? new Counter({ name, help, labelNames });
}

function histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram {
  return (register.getSingleMetric(name) as Histogram) ?? new Histogram({ name, help, labelNames, buckets });
}

// The ingress answers in milliseconds; the upper buckets catch a publish waiting for its timeout.
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const ingressMetrics = {
  alertsReceived: counter(
    'firebreak_alerts_received_total',
    'Alerts accepted (acknowledged by JetStream, resends it dropped as duplicates included), by source and alert status.',
    ['source', 'status'],
  ),
  rejected: counter('firebreak_ingress_rejected_total', 'Requests to the alert endpoints answered with an error, by reason.', ['reason']),
  truncatedAlerts: counter(
    'firebreak_ingress_truncated_alerts_total',
    'Alerts Alertmanager left out of its webhooks (max_alerts), as its truncatedAlerts reported.',
  ),
  cutAnnotations: counter(
    'firebreak_ingress_cut_annotations_total',
    "Alerts larger than one NATS message (the server's max_payload) whose annotations were cut to fit.",
  ),
  requestDuration: histogram(
    'firebreak_ingress_request_duration_seconds',
    'Time to answer a request to the alert endpoints, by endpoint and HTTP status.',
    ['endpoint', 'status'],
    BUCKETS,
  ),
  publishDuration: histogram(
    'firebreak_ingress_publish_duration_seconds',
    "Time from publishing a request's events until JetStream acknowledged all of them (or one failed), by outcome.",
    ['outcome'],
    BUCKETS,
  ),
};
