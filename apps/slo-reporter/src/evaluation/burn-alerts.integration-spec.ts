import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { alertFingerprint } from '@firebreak/contracts';
import { FakeClock } from '@firebreak/testing';
import { SloCatalog } from '../definitions/slo-catalog';
import { BusProbe, closeInstallation, http, manualClock, seedBuckets, startReporter, useInstallation } from '../testing/slo-harness';
import { SloEvaluator } from './slo-evaluator.service';

const ID = `slo_burn_${process.pid}`;
const MINUTE = 60_000;
const DAY = 86_400_000;

const slo = (name: string, bad: string, total: string, firebreak: string) => `---
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
firebreak: ${firebreak}
`;

const SLOS = [
  slo('delivery', 'notifications.failed', 'notifications.delivered, notifications.failed', '{ minEvents: 10 }'),
  slo('remediation', 'remediations.failed', 'remediations.succeeded, remediations.failed', '{ minEvents: 1, noDataAfter: 10m }'),
  slo('criticals', 'alerts.firing.critical', 'alerts.firing', '{ minEvents: 10, labels: { team: sre } }'),
].join('');

describe('burn-rate alerts (real NATS and Postgres, fake clock)', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: FakeClock;
  let evaluator: SloEvaluator;
  let catalog: SloCatalog;
  const T0 = new Date('2025-03-10T00:00:00.000Z');

  beforeAll(async () => {
    bus = await useInstallation(ID, { tokens: 'viewer-token:viewer', slos: SLOS });
    app = await startReporter();
    clock = manualClock(app, T0);
    evaluator = app.get(SloEvaluator);
    catalog = app.get(SloCatalog);
  });

  afterAll(() => closeInstallation(ID, app, bus));

  it('fires the tiers fastest first as errors go on, and clears them in the same order once they stop', async () => {
    // 30 days of 1,000 deliveries a minute, then 4 hours at 20 % failed (20× a 99 % objective's budget rate).
    const T1 = new Date(T0.getTime() + 240 * MINUTE);
    const end = new Date(T1.getTime() + 400 * MINUTE);
    await seedBuckets(app, [
      { signal: 'notifications.delivered', from: new Date(T0.getTime() - 30 * DAY), to: T0, perMinute: 1000 },
      { signal: 'notifications.delivered', from: T0, to: T1, perMinute: 800 },
      { signal: 'notifications.failed', from: T0, to: T1, perMinute: 200 },
      { signal: 'notifications.delivered', from: T1, to: end, perMinute: 1000 },
    ]);
    const delivery = catalog.get('delivery');
    const changes: string[] = [];
    // Nothing changes between the minutes the hand calculation names, so the clock visits those and the minute before each.
    const minutes = [0, 43, 44, 107, 108, 215, 216, 241, 242, 261, 262, 342, 343, 582, 583, 585];
    for (const at of minutes.map((minute) => T0.getTime() + minute * MINUTE)) {
      clock.set(new Date(at));
      const outcome = await evaluator.evaluate(delivery);
      const minute = (at - T0.getTime()) / MINUTE;
      changes.push(...outcome.raised.map((kind) => `+${minute} ${kind}`), ...outcome.resolved.map((kind) => `-${minute} ${kind}`));
    }
    // By hand: the 1 h window reaches 14.4 % errors after 44 bad minutes (44 × 200 / 60,000 = 14.7 %; 43 → 14.3 %);
    // 6 h reaches 6 % at 108 (108 × 200 / 360,000); 1 d 3 % and 3 d 1 % both at 216. After the errors stop at
    // minute 240, each tier clears when its short window drops below its factor: 5 m at +2 (3 bad minutes of
    // 5 = 12×), 30 m at +22 (8 of 30 = 5.3×), 2 h at +103 (17 of 120 = 2.8×), 6 h at +343 (17 of 360 = 0.94×).
    expect(changes).toEqual([
      '+44 page-fast',
      '+108 page-slow',
      '+216 ticket-fast',
      '+216 ticket-slow',
      '-242 page-fast',
      '-262 page-slow',
      '-343 ticket-fast',
      '-583 ticket-slow',
    ]);

    const alerts = (await bus.events('alerts.received')).filter((event) => event.data.alert.labels.slo === 'delivery');
    expect(alerts.map((event) => `${event.data.alert.status} ${event.data.alert.labels.burnrate_tier}`)).toEqual([
      'firing page-fast',
      'firing page-slow',
      'firing ticket-fast',
      'firing ticket-slow',
      'resolved page-fast',
      'resolved page-slow',
      'resolved ticket-fast',
      'resolved ticket-slow',
    ]);
    const pageFast = alerts.filter((event) => event.data.alert.labels.burnrate_tier === 'page-fast');
    const labels = { alertname: 'SLOBurnRate', slo: 'delivery', service: 'firebreak', severity: 'critical', burnrate_tier: 'page-fast' };
    expect(pageFast.map((event) => [event.data.source, event.data.alert.fingerprint, event.data.alert.labels])).toEqual([
      ['slo', alertFingerprint(labels), labels],
      ['slo', alertFingerprint(labels), labels],
    ]);
    expect(pageFast[1].data.alert).toMatchObject({
      startsAt: pageFast[0].data.alert.startsAt,
      endsAt: new Date(T0.getTime() + 242 * MINUTE).toISOString(),
    });

    const budget = (await bus.events('slo.budget.changed')).filter((event) => event.data.sloId === 'delivery');
    expect(budget.map((event) => [event.data.previousState, event.data.state, event.data.tier])).toEqual([
      ['ok', 'burning', 'page-fast'],
      ['burning', 'ok', null],
    ]);

    // 30 days of 1,000 a minute = 43,200,000 events; 1 % may fail = 432,000; 240 × 200 = 48,000 did.
    const detail = await http(app)('GET', '/api/v1/slos/delivery', 'viewer-token');
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      status: 'ok',
      events: { total: 43_200_000, good: 43_152_000 },
      errorBudget: {
        total: expect.closeTo(432_000, 3),
        consumed: 48_000,
        remaining: expect.closeTo(384_000, 3),
        remainingRatio: expect.closeTo(0.8889, 4),
      },
      alerts: [],
    });
    expect(detail.json().series.points).toHaveLength(30);
  }, 120_000);

  it('keeps quiet below minEvents in the short window, and fires once enough events show the burn', async () => {
    const now = new Date('2025-04-01T12:00:00.000Z');
    clock.set(now);
    const criticals = catalog.get('criticals');
    // 4 new alerts in the last minute, 3 of them critical: 75 % "bad", 75× the budget rate, but only 4 events.
    await seedBuckets(app, [
      { signal: 'alerts.firing', from: new Date(now.getTime() - MINUTE), to: now, perMinute: 4 },
      { signal: 'alerts.firing.critical', from: new Date(now.getTime() - MINUTE), to: now, perMinute: 3 },
    ]);
    const quiet = await evaluator.evaluate(criticals);
    expect(quiet.raised).toEqual([]);
    expect(quiet.status?.tiers.map((tier) => tier.guarded)).toEqual([true, true, true, true]);

    await seedBuckets(app, [
      { signal: 'alerts.firing', from: new Date(now.getTime() - 2 * MINUTE), to: new Date(now.getTime() - MINUTE), perMinute: 8 },
      { signal: 'alerts.firing.critical', from: new Date(now.getTime() - 2 * MINUTE), to: new Date(now.getTime() - MINUTE), perMinute: 6 },
    ]);
    const loud = await evaluator.evaluate(criticals);
    // 12 events, 9 critical: every tier fires, and with 75 % of 12 events bad the 30-day budget is spent too.
    expect(loud.raised).toEqual(['page-fast', 'page-slow', 'ticket-fast', 'ticket-slow', 'budget-exhausted']);
    expect(loud.verdict?.state).toBe('exhausted');
    const exhausted = (await bus.events('alerts.received')).find(
      (event) => event.data.alert.labels.alertname === 'SLOErrorBudgetExhausted',
    );
    expect(exhausted?.data.alert.labels).toEqual({
      alertname: 'SLOErrorBudgetExhausted',
      slo: 'criticals',
      service: 'firebreak',
      severity: 'error',
      team: 'sre',
    });
  });

  it('raises a no-data alert after noDataAfter without events, and resolves it when data comes', async () => {
    const start = new Date('2025-05-01T00:00:00.000Z');
    clock.set(start);
    const remediation = catalog.get('remediation');
    expect((await evaluator.evaluate(remediation)).raised).toEqual([]);
    clock.set(new Date(start.getTime() + 9 * MINUTE));
    expect((await evaluator.evaluate(remediation)).raised).toEqual([]);
    clock.set(new Date(start.getTime() + 10 * MINUTE));
    const silent = await evaluator.evaluate(remediation);
    expect(silent.raised).toEqual(['no-data']);
    expect(silent.verdict?.state).toBe('no_data');

    await seedBuckets(app, [
      {
        signal: 'remediations.succeeded',
        from: new Date(start.getTime() + 10 * MINUTE),
        to: new Date(start.getTime() + 11 * MINUTE),
        perMinute: 1,
      },
    ]);
    clock.set(new Date(start.getTime() + 11 * MINUTE));
    const back = await evaluator.evaluate(remediation);
    expect(back.resolved).toEqual(['no-data']);
    const changed = (await bus.events('slo.budget.changed')).filter((event) => event.data.sloId === 'remediation');
    expect(changed.map((event) => `${event.data.previousState}→${event.data.state}`)).toEqual(['ok→no_data', 'no_data→ok']);
  });
});
