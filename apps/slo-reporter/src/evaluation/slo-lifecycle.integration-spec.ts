import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { alertFingerprint } from '@firebreak/contracts';
import { FakeClock, freePort } from '@firebreak/testing';
import { SloCatalog } from '../definitions/slo-catalog';
import { DailyReportPoller } from '../reports/daily-report.poller';
import { BusProbe, closeInstallation, http, manualClock, seedBuckets, startReporter, useInstallation } from '../testing/slo-harness';
import { SloEvaluator } from './slo-evaluator.service';
import { SloStatusService } from './slo-status.service';

const ID = `slo_life_${process.pid}`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const eventsSlo = (name: string, bad: string, total: string, labels: string) => `---
apiVersion: openslo/v1
kind: SLO
metadata: { name: ${name} }
spec:
  service: firebreak
  indicator:
    spec:
      ratioMetric:
        bad: { metricSource: { type: Firebreak, spec: { signals: [${bad}] } } }
        total: { metricSource: { type: Firebreak, spec: { signals: [${total}] } } }
  timeWindow: [{ duration: 30d, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ target: 0.99 }]
firebreak: { minEvents: 1, labels: ${labels} }
`;
// First in the file, over a Prometheus nobody listens on.
const BROKEN = `---
apiVersion: openslo/v1
kind: SLO
metadata: { name: broken }
spec:
  service: shop
  indicator:
    spec:
      ratioMetric:
        bad: { metricSource: { type: Prometheus, spec: { query: 'sum(increase(x_total{code="500"}[{{.window}}]))' } } }
        total: { metricSource: { type: Prometheus, spec: { query: 'sum(increase(x_total[{{.window}}]))' } } }
  timeWindow: [{ duration: 30d, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ target: 0.99 }]
firebreak: { noDataAfter: 10m }
`;
const DELIVERY = (team: string) =>
  eventsSlo('delivery', 'notifications.failed', 'notifications.delivered, notifications.failed', `{ team: ${team} }`);
const DOOMED = eventsSlo('doomed', 'remediations.failed', 'remediations.succeeded, remediations.failed', '{}');

describe('SLO alerts across restarts, replicas and outages (real NATS and Postgres)', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: FakeClock;
  const T0 = new Date('2025-08-04T12:00:00.000Z');
  const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);

  beforeAll(async () => {
    const deadPort = await freePort();
    bus = await useInstallation(ID, {
      tokens: 'viewer-token:viewer',
      slos: BROKEN + DELIVERY('a') + DOOMED,
      env: { PROMETHEUS_URL: `http://127.0.0.1:${deadPort}`, FIREBREAK_PROMETHEUS_TIMEOUT_MS: '1000' },
    });
    app = await startReporter();
    clock = manualClock(app, T0);
    // Two hours of half the notifications and remediations failing: 50× a 99 % objective's budget rate.
    await seedBuckets(app, [
      { signal: 'notifications.delivered', from: at(-2 * HOUR), to: at(2 * HOUR), perMinute: 50 },
      { signal: 'notifications.failed', from: at(-2 * HOUR), to: at(2 * HOUR), perMinute: 50 },
      { signal: 'remediations.succeeded', from: at(-2 * HOUR), to: at(2 * HOUR), perMinute: 5 },
      { signal: 'remediations.failed', from: at(-2 * HOUR), to: at(2 * HOUR), perMinute: 5 },
    ]);
  });

  afterAll(() => closeInstallation(ID, app, bus));

  const sloAlerts = async (slo: string) =>
    (await bus.events('alerts.received')).filter((event) => event.data.alert.labels.slo === slo).map((event) => event.data.alert);

  it('drops an evaluation older than the stored state instead of undoing it (no second page)', async () => {
    const evaluator = app.get(SloEvaluator);
    const delivery = app.get(SloCatalog).get('delivery');
    clock.set(at(HOUR));
    expect((await evaluator.evaluate(delivery)).raised).toContain('page-fast');
    // A replica (or a slow tick) that read the clock before the errors began commits after: its status says
    // "ok", and without the check it would resolve every alert and the next evaluation would page again.
    clock.set(at(-3 * HOUR));
    const stale = await evaluator.evaluate(delivery);
    expect(stale).toMatchObject({ skipped: true, raised: [], resolved: [] });
    clock.set(at(HOUR + MINUTE));
    expect(await evaluator.evaluate(delivery)).toMatchObject({ skipped: false, raised: [], resolved: [] });

    const alerts = await sloAlerts('delivery');
    expect(alerts.filter((alert) => alert.labels.burnrate_tier === 'page-fast').map((alert) => alert.status)).toEqual(['firing']);
    expect(alerts.every((alert) => alert.status === 'firing')).toBe(true);
    const budget = (await bus.events('slo.budget.changed')).filter((event) => event.data.sloId === 'delivery');
    expect(budget.map((event) => `${event.data.previousState}→${event.data.state}`)).toEqual(['ok→exhausted']);
  });

  it('raises no-data once Prometheus has been unreachable for noDataAfter, leaving the other SLOs alone', async () => {
    const evaluator = app.get(SloEvaluator);
    const broken = app.get(SloCatalog).get('broken');
    const start = at(3 * HOUR);
    const kinds = async (offset: number) => {
      clock.set(new Date(start.getTime() + offset));
      const outcome = await evaluator.evaluate(broken);
      expect(outcome.status).toBeNull();
      return outcome;
    };
    expect((await kinds(0)).raised).toEqual([]);
    expect((await kinds(9 * MINUTE)).raised).toEqual([]);
    const silent = await kinds(10 * MINUTE);
    expect([silent.raised, silent.verdict?.state]).toEqual([['no-data'], 'no_data']);
    const [noData] = await sloAlerts('broken');
    expect(noData.labels).toEqual({ alertname: 'SLONoData', slo: 'broken', service: 'shop', severity: 'warning' });
    expect(noData.annotations.description).toContain('could not be read for 10 min');
    // Nothing more while it stays away.
    expect((await kinds(30 * MINUTE)).raised).toEqual([]);

    // evaluateAll goes on past it (broken's own evaluation is older than its state now, so skipped).
    clock.set(at(HOUR + 90_000));
    const outcomes = await evaluator.evaluateAll();
    expect(outcomes.map((outcome) => [outcome.sloId, outcome.skipped])).toEqual([
      ['broken', true],
      ['delivery', false],
      ['doomed', false],
    ]);
    expect(outcomes[2].raised).toContain('page-fast');
  });

  it('sends the daily reports of the SLOs after one that fails, and does not recompute reported ones', async () => {
    clock.set(at(4 * HOUR));
    const reports = app.get(DailyReportPoller);
    expect(await reports.reportDue()).toBe(2);
    const sent = (await bus.events('slo.report')).map((event) => event.data.sloId);
    expect(sent.sort()).toEqual(['delivery', 'doomed']);

    const status = jest.spyOn(app.get(SloStatusService), 'status');
    try {
      expect(await reports.reportDue()).toBe(0);
      // Only the SLO still owing today's report is computed again.
      expect(status.mock.calls.map(([slo]) => slo.id)).toEqual(['broken']);
    } finally {
      status.mockRestore();
    }
  });

  it('resolves, with the labels they fired with, the alerts of a removed SLO and of one whose labels changed', async () => {
    const firedBefore = new Map<string, string>();
    for (const slo of ['delivery', 'doomed'])
      for (const alert of await sloAlerts(slo)) if (alert.status === 'firing') firedBefore.set(alert.fingerprint, slo);
    expect([...firedBefore.values()].filter((slo) => slo === 'doomed').length).toBeGreaterThan(0);

    // A new slos.yaml: doomed is gone, delivery belongs to another team.
    await app.close();
    writeFileSync(join(process.env.FIREBREAK_CONFIG_DIR!, 'slos.yaml'), BROKEN + DELIVERY('b'));
    app = await startReporter();
    clock = manualClock(app, at(HOUR + 3 * MINUTE));

    // At start-up, before any evaluation: every alert that fired is resolved under its old fingerprint, once.
    const resolved = [...(await sloAlerts('delivery')), ...(await sloAlerts('doomed'))].filter((alert) => alert.status === 'resolved');
    expect(resolved.map((alert) => alert.fingerprint).sort()).toEqual([...firedBefore.keys()].sort());
    expect(resolved.every((alert) => alert.fingerprint === alertFingerprint(alert.labels))).toBe(true);
    expect(resolved.filter((alert) => alert.labels.slo === 'delivery').every((alert) => alert.labels.team === 'a')).toBe(true);
    expect(await app.get(SloEvaluator).resolveOrphans()).toBe(0);

    // The next evaluation raises delivery's alerts again under the new labels; doomed stays quiet.
    const again = await app.get(SloEvaluator).evaluate(app.get(SloCatalog).get('delivery'));
    expect(again.raised).toContain('page-fast');
    const pageFast = (await sloAlerts('delivery')).filter((alert) => alert.labels.burnrate_tier === 'page-fast');
    expect(pageFast.map((alert) => `${alert.status} ${alert.labels.team}`)).toEqual(['firing a', 'resolved a', 'firing b']);
    const detail = await http(app)('GET', '/api/v1/slos/delivery', 'viewer-token');
    expect(detail.json().alerts.map((alert: { kind: string }) => alert.kind)).toContain('page-fast');
  });
});
