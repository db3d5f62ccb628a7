import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@firebreak/platform';
import { parseSloFile } from './slo-config';

function problems(text: string): string[] {
  try {
    parseSloFile(text, 'slos.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the file to be refused');
}

// An OpenSLO v1 document as the OpenSLO spec's own examples write it, with a Service beside it.
const OPENSLO = `apiVersion: openslo/v1
kind: Service
metadata: { name: web }
spec: { description: the web shop }
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: web-availability
  displayName: Web availability
spec:
  description: 99.5 % of requests answered without a 5xx
  service: web
  indicator:
    metadata: { name: web-successful-requests }
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec: { query: 'sum(increase(http_requests_total{code!~"5.."}[{{.window}}]))' }
        total:
          metricSource:
            type: Prometheus
            spec: { query: 'sum(increase(http_requests_total[{{.window}}]))' }
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: good
      target: 0.995
`;

/** The OpenSLO document above as a latency thresholdMetric over a calendar month. */
function threshold(objective: string, extra = ''): string {
  return (
    OPENSLO.replace(
      /ratioMetric:[\s\S]*?timeWindow:\n {4}- duration: 28d\n {6}isRolling: true\n {2}budgetingMethod: Occurrences\n {2}objectives:\n {4}- displayName: good\n {6}target: 0.995\n/,
      `thresholdMetric:
        metricSource:
          type: Prometheus
          spec: { query: 'histogram_quantile(0.95, sum by (le) (rate(d_bucket[{{.window}}])))' }
  timeWindow: [{ duration: 1M, isRolling: false, calendar: { startTime: '2024-01-01 00:00:00', timeZone: UTC } }]
  budgetingMethod: Timeslices
  objectives: [{ op: lte, value: 1.2, target: 0.95, ${objective} }]
`,
    ).trimEnd() + `${extra}\n`
  );
}

describe('slos.yaml', () => {
  it('loads a real OpenSLO v1 SLO with a ratioMetric, skipping the other kinds', () => {
    const [slo, ...rest] = parseSloFile(OPENSLO, 'slos.yaml');
    expect(rest).toEqual([]);
    expect(slo).toMatchObject({
      id: 'web-availability',
      service: 'web',
      objective: 0.995,
      window: { kind: 'rolling', ms: 28 * 86_400_000, text: '28d' },
      budgeting: 'Occurrences',
      indicator: { source: 'prometheus', kind: 'ratio', bad: null },
      minEvents: 10,
      noDataAfterMs: 15 * 60_000,
    });
  });

  it('loads a thresholdMetric budgeted by Timeslices and a calendar month, guarding by one slice unless told', () => {
    expect(parseSloFile(threshold('timeSliceWindow: 5m'), 'slos.yaml')[0]).toMatchObject({
      window: { kind: 'calendar' },
      budgeting: 'Timeslices',
      indicator: { kind: 'threshold', op: 'lte', value: 1.2, sliceMs: 300_000 },
      minEvents: 1,
    });
  });

  it('refuses what a threshold SLO would silently ignore or never reach', () => {
    expect(problems(threshold('timeSliceWindow: 1m, timeSliceTarget: 0.95'))).toEqual([
      'slos.yaml: document 2 (web-availability): spec.objectives.0.timeSliceTarget: is not supported: a thresholdMetric slice is good when its value meets op and value',
    ]);
    // 30 days (a calendar month's tiers) over 1-minute slices: the shortest window is 5 minutes, 5 slices.
    expect(parseSloFile(threshold('timeSliceWindow: 1m', '\nfirebreak: { minEvents: 5 }'), 'slos.yaml')[0].minEvents).toBe(5);
    expect(problems(threshold('timeSliceWindow: 1m', '\nfirebreak: { minEvents: 6 }'))).toEqual([
      'slos.yaml: document 2 (web-availability): firebreak.minEvents: counts time slices for Timeslices; the shortest window holds 5, so at most 5',
    ]);
    expect(problems(threshold('timeSliceWindow: 7m'))).toEqual([
      'slos.yaml: document 2 (web-availability): spec.objectives.0.timeSliceWindow: must be whole seconds that divide a day (1m, 5m, 1h…)',
    ]);
  });

  it('ships SLOs over Firebreak own events', () => {
    const slos = parseSloFile(readFileSync(join(__dirname, '../../../../config/slos.yaml'), 'utf8'), 'config/slos.yaml');
    expect(slos.map((slo) => [slo.id, slo.indicator.source, slo.objective])).toEqual([
      ['notification-delivery', 'firebreak', 0.99],
      ['auto-remediation', 'firebreak', 0.95],
    ]);
  });

  it('names the document and field of each problem', () => {
    expect(problems(OPENSLO.replace('target: 0.995', 'target: 99.5'))).toEqual([
      'slos.yaml: document 2 (web-availability): spec.objectives.0.target: must be below 1 (0.99 means 99 %)',
    ]);
    expect(problems(OPENSLO.replace('duration: 28d', 'duration: 28x'))).toEqual([
      expect.stringContaining('document 2 (web-availability): spec.timeWindow.0'),
    ]);
    expect(problems(OPENSLO.replace('budgetingMethod: Occurrences', 'budgetingMethod: Timeslices'))).toEqual([
      'slos.yaml: document 2 (web-availability): spec.budgetingMethod: a ratioMetric is budgeted by Occurrences (Timeslices needs a thresholdMetric)',
    ]);
    expect(problems(OPENSLO.replace('increase(http_requests_total[{{.window}}])', 'increase(http_requests_total[5m])'))).toEqual([
      expect.stringContaining('spec.indicator.spec.ratioMetric.total.metricSource.spec.query: must count events over {{.window}}'),
    ]);
    expect(problems('slos:\n  - { apiVersion: openslo/v1, kind: SLO, metadata: { name: Bad Name } }')).toEqual(
      expect.arrayContaining(['slos.yaml: slos.0 (Bad Name): metadata.name: must be lowercase letters, digits, - and _ (at most 63)']),
    );
    expect(problems(`${OPENSLO}---\n${OPENSLO.split('---\n')[1]}`)).toEqual([
      'slos.yaml: document 3 (web-availability): metadata.name: web-availability is defined twice',
    ]);
  });
});
