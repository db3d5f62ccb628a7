import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { checkRules, TestPrometheus, waitFor } from '@firebreak/testing';
import { SloCatalog } from '../definitions/slo-catalog';
import { SloStatusService } from '../evaluation/slo-status.service';
import { BusProbe, closeInstallation, http, manualClock, startReporter, useInstallation } from '../testing/slo-harness';

const ID = `slo_prom_${process.pid}`;
const DAY = 86_400_000;
const STEP = 300_000;

const ratioSlo = (name: string, metric: string, window: string, target: number) => `---
apiVersion: openslo/v1
kind: SLO
metadata: { name: ${name} }
spec:
  service: shop
  indicator:
    spec:
      ratioMetric:
        counter: true
        bad: { metricSource: { type: Prometheus, spec: { query: 'sum(increase(${metric}{code="500"}[{{.window}}]))' } } }
        total: { metricSource: { type: Prometheus, spec: { query: 'sum(increase(${metric}[{{.window}}]))' } } }
  timeWindow: [{ duration: ${window}, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ target: ${target} }]
firebreak: { minEvents: 10, noDataAfter: 10m, labels: { team: shop } }
`;

/**
 * 30 days (and 5 minutes of margin) of a request counter every 5 minutes up to `end`: 1,000 requests per
 * step, 2 of them failed, except in the last day when 20 of them fail.
 */
function history(end: number): string {
  const lines = ['# TYPE shop_requests counter'];
  let ok = 0;
  let failed = 0;
  const first = end - 30 * DAY - STEP;
  const samples: string[] = [];
  for (let at = first; at <= end; at += STEP) {
    if (at > first) {
      const bad = at > end - DAY ? 20 : 2;
      failed += bad;
      ok += 1000 - bad;
    }
    samples.push(`shop_requests_total{code="200"} ${ok} ${at / 1000}`, `shop_requests_total{code="500"} ${failed} ${at / 1000}`);
  }
  // OpenMetrics wants a metric family's series grouped: all of code 200, then all of code 500.
  lines.push(...samples.filter((line) => line.includes('"200"')), ...samples.filter((line) => line.includes('"500"')), '# EOF');
  return `${lines.join('\n')}\n`;
}

describe('SLOs over a real Prometheus (backfilled history and a scraped target)', () => {
  const prometheus = new TestPrometheus();
  let target: Server;
  const live = { ok: 0, failed: 0 };
  let ticker: NodeJS.Timeout;
  let app: NestFastifyApplication;
  let bus: BusProbe;
  // History ends at the last whole hour that is at least an hour old: older than anything scraped.
  const END = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;

  beforeAll(async () => {
    target = createServer((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(
        `# TYPE live_requests_total counter\nlive_requests_total{code="200"} ${live.ok}\nlive_requests_total{code="500"} ${live.failed}\n`,
      );
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    await prometheus.backfill(history(END));
    await prometheus.start(`127.0.0.1:${(target.address() as AddressInfo).port}`);
    bus = await useInstallation(ID, {
      tokens: 'viewer-token:viewer,operator-token:operator',
      slos:
        ratioSlo('shop-availability', 'shop_requests_total', '30d', 0.995) +
        ratioSlo('live-availability', 'live_requests_total', '1d', 0.99),
      env: { PROMETHEUS_URL: prometheus.url },
    });
    app = await startReporter();
  }, 120_000);

  afterAll(async () => {
    clearInterval(ticker);
    await closeInstallation(ID, app, bus);
    await new Promise((resolve) => target.close(resolve));
    await prometheus.stop();
  });

  it('computes 30 days of compliance, budget and burn rates from backfilled history, as by hand', async () => {
    const clock = manualClock(app, new Date(END));
    const slos = app.get(SloStatusService);
    const status = await slos.status(app.get(SloCatalog).get('shop-availability'), clock.now());
    // 8,640 steps of 1,000 = 8,640,000 requests; failed 8,352 × 2 + 288 × 20 = 22,464 → 99.74 %.
    // Budget 0.5 % = 43,200 failures; 22,464 spent → 20,736 left = 48 %.
    expect(status.counts).toEqual({ total: expect.closeTo(8_640_000, 0), good: expect.closeTo(8_640_000 - 22_464, 0) });
    expect(status.compliance).toBeCloseTo(0.9974, 6);
    expect(status.budget).toMatchObject({
      total: expect.closeTo(43_200, 2),
      consumed: expect.closeTo(22_464, 0),
      remainingRatio: expect.closeTo(0.48, 4),
    });
    // The last day fails 2 %: 4× a 0.5 % budget over 5 m … 1 d; 3 d: (5,760 + 576 × 2) / 864,000 = 0.8 % = 1.6×.
    const burn = Object.fromEntries(status.burnRates.map((rate) => [rate.window, rate.rate]));
    expect(burn).toEqual({
      '5m': expect.closeTo(4, 6),
      '30m': expect.closeTo(4, 6),
      '1h': expect.closeTo(4, 6),
      '2h': expect.closeTo(4, 6),
      '6h': expect.closeTo(4, 6),
      '1d': expect.closeTo(4, 6),
      '3d': expect.closeTo(1.6, 6),
      '30d': expect.closeTo(0.52, 6),
    });
    // 4× over 1 h and 5 m: below the page tiers (14.4×, 6×), above both ticket tiers (3× and 1×).
    expect(status.tiers.map((tier) => [tier.tier.id, tier.firing])).toEqual([
      ['page-fast', false],
      ['page-slow', false],
      ['ticket-fast', true],
      ['ticket-slow', true],
    ]);

    // Seed 004's shape over the same 30 whole days.
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    clock.set(new Date(Math.floor(END / DAY) * DAY));
    const from = Math.floor(END / DAY) * DAY - 30 * DAY;
    const response = await http(app)('GET', `/api/v1/slo?date_from=${day(from)}&date_to=${day(from + 29 * DAY)}`, 'viewer-token');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ok',
      d_from: day(from),
      d_to: day(from + 29 * DAY),
      days_analyzed: 30,
      'shop-availability': { pass: true, target_pct: 99.5 },
      overall_pass: true,
    });
    // The hours after the last full day, which hold failures too, are outside; 99.7 % < x < 99.8 %.
    expect(response.json()['shop-availability'].actual_pct).toBeGreaterThan(99.7);
  }, 60_000);

  it('follows a scraped target whose counters the test drives', async () => {
    const clock = manualClock(app, new Date());
    const slo = app.get(SloCatalog).get('live-availability');
    const statuses = app.get(SloStatusService);
    expect((await statuses.status(slo, clock.now())).hasData).toBe(false);
    // 10 % of the requests fail, in lockstep with the rest: the ratio of increases is exactly 0.1.
    ticker = setInterval(() => {
      live.ok += 90;
      live.failed += 10;
    }, 100);
    await waitFor(
      async () => {
        clock.set(new Date());
        const counts = (await statuses.status(slo, clock.now())).counts;
        return counts !== null && counts.total >= 3000;
      },
      { timeoutMs: 20_000, message: 'three seconds of scraped requests' },
    );
    const status = await statuses.status(slo, clock.now());
    expect(status.hasData).toBe(true);
    // 10 % errors against a 1 % budget: 10× in every window (all hold the same few seconds of data).
    expect(status.burnRates[0].rate).toBeCloseTo(10, 1);
    expect(status.compliance).toBeCloseTo(0.9, 2);
    expect(status.tiers.map((tier) => tier.firing)).toEqual([false, true, true, true]);
  }, 60_000);

  it('generates recording and alerting rules that promtool accepts', async () => {
    // 8 windows × (error ratio, total) recordings + 4 burn tiers + budget exhausted + no data.
    const response = await http(app)('GET', '/api/v1/slos/shop-availability/rules', 'viewer-token');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/yaml');
    expect(response.body).toContain('record: slo:sli_error:ratio_rate1h');
    expect(response.body).toContain('burnrate_tier: page-fast');
    await expect(checkRules(response.body)).resolves.toContain('SUCCESS: 22 rules found');
  });
});
