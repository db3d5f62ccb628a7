import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FakeClock, FakeHttpTarget, RecordedRequest } from '@firebreak/testing';
import { SloCatalog } from '../definitions/slo-catalog';
import { BusProbe, closeInstallation, http, manualClock, startReporter, useInstallation } from '../testing/slo-harness';
import { SloEvaluator } from './slo-evaluator.service';

const ID = `slo_slices_${process.pid}`;
const MINUTE = 60_000;

// A 7-day latency SLO over 1-minute slices: 95 % of the minutes have a p95 at or under 1.2 s.
const SLOS = `apiVersion: openslo/v1
kind: SLO
metadata: { name: latency }
spec:
  service: shop
  indicator:
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec: { query: 'histogram_quantile(0.95, sum by (le) (rate(d_bucket[{{.window}}])))' }
  timeWindow: [{ duration: 7d, isRolling: true }]
  budgetingMethod: Timeslices
  objectives: [{ op: lte, value: 1.2, target: 0.95, timeSliceWindow: 1m }]
`;

// Slow minutes: the slices that end in (E, S] have a p95 of 2 s, every other one 0.5 s.
const E = Date.parse('2025-07-01T00:00:00.000Z');
const S = E + 60 * MINUTE;

/** Prometheus's query_range in its own shape: one series, a value at every step from start to end. */
function queryRange(request: RecordedRequest) {
  const form = request.body as Record<string, string>;
  const start = Number(form.start) * 1000;
  const end = Number(form.end) * 1000;
  const step = Number(form.step.replace(/s$/, '')) * 1000;
  const values: Array<[number, string]> = [];
  for (let at = start; at <= end; at += step) values.push([at / 1000, at > E && at <= S ? '2' : '0.5']);
  return { body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } } };
}

describe('burn-rate alerts of a Timeslices SLO (fake Prometheus, real NATS and Postgres)', () => {
  const prometheus = new FakeHttpTarget().on('POST', '/api/v1/query_range', queryRange);
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: FakeClock;

  beforeAll(async () => {
    await prometheus.start();
    bus = await useInstallation(ID, { tokens: 'viewer-token:viewer', slos: SLOS, env: { PROMETHEUS_URL: prometheus.url } });
    app = await startReporter();
    clock = manualClock(app, new Date(E));
  });

  afterAll(async () => {
    await closeInstallation(ID, app, bus);
    await prometheus.stop();
  });

  it('pages on slow minutes whatever second it evaluates at, and never calls a steady series "no data"', async () => {
    const evaluator = app.get(SloEvaluator);
    const latency = app.get(SloCatalog).get('latency');
    const changes: string[] = [];
    const hasData: boolean[] = [];
    // Minutes (and seconds) after E; each pair is the last moment before a change and the first with it.
    const moments = [
      [10, 59], [11, 0], [25, 30], [26, 30], [50, 59], [51, 0], [60, 30],
      [61, 0], [64, 30], [65, 0], [83, 30], [84, 0], [139, 59], [140, 0],
    ]; // prettier-ignore
    for (const [minute, second] of moments) {
      clock.set(new Date(E + minute * MINUTE + second * 1000));
      const outcome = await evaluator.evaluate(latency);
      hasData.push(outcome.status?.hasData ?? false);
      const at = `${minute}:${String(second).padStart(2, '0')}`;
      changes.push(...outcome.raised.map((kind) => `+${at} ${kind}`), ...outcome.resolved.map((kind) => `-${at} ${kind}`));
      if (minute === 11) {
        // Every window holds exactly its whole slices: 7 days = 10,080, 7 minutes = 7, the 70-second one rounded up to 2.
        expect(outcome.status?.counts).toEqual({ total: 10_080, good: 10_080 - 11 });
        const totals = Object.fromEntries(outcome.status!.burnRates.map((burn) => [burn.window, burn.total]));
        expect(totals).toMatchObject({ '2m': 2, '7m': 7, '14m': 14, '28m': 28, '1h24m': 84, '7d': 10_080 });
      }
    }
    // By hand, 5 % budget, k slow minutes so far: page-fast 14.4× = 72 % of 14 minutes → k = 11 (10 is 71 %);
    // page-slow 6× = 30 % of 84 → 26; ticket-fast 3× = 15 % of 336 → 51; ticket-slow 1× = 5 % of 1,008 → 51.
    // After the slow minutes stop at 60, the short windows clear first, at j minutes past 60: 2 m holds 1
    // slow of 2 (50 % < 72 %) at j = 1; 7 m holds 7 − j, below 30 % (2.1) at j = 5; 28 m below 15 % (4.2) at
    // j = 24; 84 m below 5 % (4.2) at j = 80.
    expect(changes).toEqual([
      '+11:00 page-fast',
      '+26:30 page-slow',
      '+51:00 ticket-fast',
      '+51:00 ticket-slow',
      '-61:00 page-fast',
      '-65:00 page-slow',
      '-84:00 ticket-fast',
      '-140:00 ticket-slow',
    ]);
    // 140 minutes with a value every minute: the no-data alert (15 min by default) never fires.
    expect(hasData.every(Boolean)).toBe(true);
    const raised = (await bus.events('alerts.received')).map((event) => `${event.data.alert.status} ${event.data.alert.labels.alertname}`);
    expect(raised.filter((text) => text.includes('SLONoData'))).toEqual([]);
  }, 60_000);

  it('charts a Timeslices SLO from one range query, not one per point', async () => {
    clock.set(new Date(S + 200 * MINUTE));
    prometheus.reset();
    const response = await http(app)('GET', '/api/v1/slos/latency?step=1h', 'viewer-token');
    expect(response.statusCode).toBe(200);
    const points = response.json().series.points as Array<{ good: number; total: number }>;
    // 168 hourly points of 60 slices each, and the 60 slow minutes among them.
    expect(points).toHaveLength(168);
    expect(points.every((point) => point.total === 60)).toBe(true);
    expect(points.reduce((sum, point) => sum + point.total - point.good, 0)).toBe(60);
    // The status (a query per window, 7 days in two chunks of at most 10,000 points) and the series (two
    // chunks): 14 requests, where a query per point made 168 more.
    expect(prometheus.requests.length).toBeLessThan(20);
  });
});
