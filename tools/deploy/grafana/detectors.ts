import type { DashboardSpec } from './model';
import { quantile, rate } from './promql';

const DETECTOR = '{detector=~"$detector"}';

export const detectors: DashboardSpec = {
  uid: 'firebreak-detectors',
  title: 'Firebreak / Detectors',
  description: "The detector-scheduler's health checks: results, durations, and which detectors fail.",
  variables: [{ name: 'detector', label: 'Detector', query: 'label_values(firebreak_detector_checks_total, detector)' }],
  panels: [
    {
      type: 'stat',
      title: 'Detectors failing (15m)',
      description: 'Detectors with a failed or errored check in the last 15 minutes.',
      queries: [
        {
          expr: `count(sum by (detector) (increase(firebreak_detector_checks_total{detector=~"$detector", result!="pass"}[15m])) > 0) or vector(0)`,
        },
      ],
      width: 8,
      thresholds: [{ value: 1, color: 'red' }],
    },
    {
      type: 'stat',
      title: 'Checks /s',
      queries: [{ expr: `sum(rate(firebreak_detector_checks_total${DETECTOR}[$__rate_interval]))` }],
      unit: 'ops',
      width: 8,
    },
    {
      type: 'stat',
      title: 'Detector alerts firing (1h)',
      queries: [{ expr: `sum(increase(firebreak_detector_alerts_total{detector=~"$detector", status="firing"}[1h]))` }],
      width: 8,
    },
    {
      title: 'Checks by result',
      queries: [{ expr: rate('firebreak_detector_checks_total', 'result', DETECTOR), legend: '{{result}}' }],
      unit: 'ops',
    },
    {
      title: 'Failing detectors',
      description: 'Failed (fail) or errored (error) checks per detector.',
      queries: [
        {
          expr: `sum by (detector, result) (rate(firebreak_detector_checks_total{detector=~"$detector", result!="pass"}[$__rate_interval])) > 0`,
          legend: '{{detector}} {{result}}',
        },
      ],
      unit: 'ops',
    },
    {
      title: 'Check duration p95 by detector',
      queries: [{ expr: quantile(0.95, 'firebreak_detector_check_duration_seconds', 'detector', DETECTOR), legend: '{{detector}}' }],
      unit: 's',
    },
    {
      title: 'Detector alerts by status',
      description: 'Alerts raised (firing) and resolutions published on alerts.received.',
      queries: [{ expr: rate('firebreak_detector_alerts_total', 'detector, status', DETECTOR), legend: '{{detector}} {{status}}' }],
      unit: 'ops',
    },
  ],
};
