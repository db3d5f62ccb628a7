import { Counter, Histogram, register } from 'prom-client';

export const detectorMetrics = {
  checks:
    (register.getSingleMetric('firebreak_detector_checks_total') as Counter) ??
    new Counter({
      name: 'firebreak_detector_checks_total',
      help: 'Detector runs stored (by the replica that ran them), by detector and result (pass, fail, error).',
      labelNames: ['detector', 'result'],
    }),
  duration:
    (register.getSingleMetric('firebreak_detector_check_duration_seconds') as Histogram) ??
    new Histogram({
      name: 'firebreak_detector_check_duration_seconds',
      help: 'How long a detector check took, by detector.',
      labelNames: ['detector'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    }),
  alerts:
    (register.getSingleMetric('firebreak_detector_alerts_total') as Counter) ??
    new Counter({
      name: 'firebreak_detector_alerts_total',
      help: 'Detector alerts published on alerts.received, by detector and status (firing, resolved).',
      labelNames: ['detector', 'status'],
    }),
};
