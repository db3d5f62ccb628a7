import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BusProbe, closeInstallation, http, manualClock, startReporter, useInstallation } from '../testing/slo-harness';
import { EventCountingService } from './event-counting.service';

const ID = `slo_events_${process.pid}`;
const SLOS = `apiVersion: openslo/v1
kind: SLO
metadata: { name: delivery }
spec:
  service: firebreak
  indicator:
    spec:
      ratioMetric:
        bad: { metricSource: { type: Firebreak, spec: { signals: [notifications.failed] } } }
        total: { metricSource: { type: Firebreak, spec: { signals: [notifications.delivered, notifications.failed] } } }
  timeWindow: [{ duration: 7d, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ target: 0.9 }]
`;

describe('events off the bus and the API (real NATS and Postgres)', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  const at = new Date('2025-06-02T10:00:30.000Z');

  beforeAll(async () => {
    bus = await useInstallation(ID, { tokens: 'viewer-token:viewer,operator-token:operator', slos: SLOS });
    app = await startReporter();
    manualClock(app, new Date('2025-06-02T10:05:00.000Z'));
  });

  afterAll(() => closeInstallation(ID, app, bus));

  it('counts each event once, also when it is delivered again under another message id', async () => {
    const delivery = {
      deliveryId: 'd1',
      announcementId: 'a1',
      channel: 'team-slack',
      channelType: 'slack' as const,
      target: 'hook',
      kind: 'firing' as const,
      severity: 'critical' as const,
      attempts: 1,
    };
    const first = await bus.publish('notifications.delivered', { ...delivery, deliveredAt: at.toISOString() }, 'evt-delivered-1');
    await bus.publish('notifications.failed', { ...delivery, deliveryId: 'd2', failedAt: at.toISOString(), error: 'boom' }, 'evt-failed-1');
    await bus.republish('notifications.delivered', first);
    await bus.drained('slo-reporter-notifications-delivered');
    await bus.drained('slo-reporter-notifications-failed');
    const sums = await app
      .get(EventCountingService)
      .sums(['notifications.delivered', 'notifications.failed'], new Date('2025-06-02T10:00:00Z'), new Date('2025-06-02T10:01:00Z'));
    expect(Object.fromEntries(sums)).toEqual({ 'notifications.delivered': 1, 'notifications.failed': 1 });

    const summary = await http(app)('GET', '/api/v1/slo/summary?days=1', 'viewer-token');
    expect(summary.json()).toEqual({
      status: 'ok',
      d_from: '2025-06-02',
      d_to: '2025-06-02',
      days_analyzed: 1,
      delivery: { pass: false, actual_pct: 50, target_pct: 90 },
      overall_pass: false,
    });
  });

  it('answers the ops health summary from counted events', async () => {
    const response = await http(app)('GET', '/api/v1/ops/health', 'viewer-token');
    expect(response.json()).toEqual({ alerts_last_hour: 0, critical_last_24h: 0, remediations_last_hour: 0, remediation_failures_24h: 0 });
  });

  it('refuses missing credentials, too small a role and malformed queries with 4xx', async () => {
    const call = http(app);
    expect((await call('GET', '/api/v1/slos')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/slos', 'wrong-token')).statusCode).toBe(401);
    expect((await call('POST', '/api/v1/slos/delivery/report', 'viewer-token')).statusCode).toBe(403);
    for (const url of [
      '/api/v1/slo?date_from=2025-13-01',
      '/api/v1/slo?date_from=2025-06-02&date_to=2025-06-01',
      '/api/v1/slo?date_from=2030-01-01',
      '/api/v1/slo/summary?days=0',
      '/api/v1/slo/summary?days=91',
      '/api/v1/slo/summary?days=abc',
      '/api/v1/slos/Not%20A%20Name',
    ])
      expect([url, (await call('GET', url, 'viewer-token')).statusCode]).toEqual([url, 400]);
    expect((await call('GET', '/api/v1/slos/missing', 'viewer-token')).statusCode).toBe(404);
    // Rules are for Prometheus SLOs only.
    const rules = await call('GET', '/api/v1/slos/delivery/rules', 'viewer-token');
    expect([rules.statusCode, rules.json().error.code]).toEqual([422, 'not_a_prometheus_slo']);
    const report = await call('POST', '/api/v1/slos/delivery/report', 'operator-token');
    expect(report.statusCode).toBe(201);
    expect(report.json()).toMatchObject({ sloId: 'delivery', compliance: 0.5, window: '7d' });
    expect((await bus.events('slo.report')).map((event) => event.data.sloId)).toEqual(['delivery']);
  });
});
