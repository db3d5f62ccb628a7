import { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  BusProbe,
  closeInstallation,
  http,
  manualClock,
  seedBuckets,
  startReporter,
  useInstallation,
  DELIVERY_SLO,
} from '../testing/slo-harness';
import { EventCountingService } from './event-counting.service';
import { EventPruningPoller } from './event-pruning.poller';

const ID = `slo_events_${process.pid}`;

describe('events off the bus and the API (real NATS and Postgres)', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  const at = new Date('2025-06-02T10:00:30.000Z');

  beforeAll(async () => {
    bus = await useInstallation(ID, { tokens: 'viewer-token:viewer,operator-token:operator', slos: DELIVERY_SLO });
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
    await bus.drained('notifications.delivered');
    await bus.drained('notifications.failed');
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

  it('answers the ops health summary from the events it counted', async () => {
    // Now is 10:05: the last hour is [09:05, 10:05), the last day from 10:05 yesterday.
    const stateChanged = (id: string, when: string, from: 'resolved' | 'acknowledged' | null, severity: 'critical' | 'warning') =>
      bus.publish(
        'alerts.state.changed',
        { fingerprint: '0123456789abcdef', alertname: 'HighLatency', severity, from, to: 'firing', at: when },
        id,
      );
    await stateChanged('sc-new-critical', '2025-06-02T10:00:00Z', null, 'critical');
    await stateChanged('sc-again-warning', '2025-06-02T09:30:00Z', 'resolved', 'warning');
    // Not a new problem: an acknowledged alert firing again.
    await stateChanged('sc-unacked', '2025-06-02T09:45:00Z', 'acknowledged', 'critical');
    await stateChanged('sc-yesterday-critical', '2025-06-01T12:00:00Z', null, 'critical');
    await stateChanged('sc-old-critical', '2025-05-31T10:00:00Z', null, 'critical');

    const run = { requestId: 'r', runbookId: 'restart', mode: 'live' as const, fingerprint: '0123456789abcdef' };
    const succeeded = (id: string, finishedAt: string, extra: object = {}) =>
      bus.publish(
        'runbooks.execution.succeeded',
        { ...run, executionId: id, startedAt: finishedAt, finishedAt, durationMs: 1, ...extra },
        `ok-${id}`,
      );
    const failed = (id: string, finishedAt: string, extra: object = {}) =>
      bus.publish(
        'runbooks.execution.failed',
        { ...run, executionId: id, status: 'failed' as const, reason: 'still down', finishedAt, escalate: true, ...extra },
        `failed-${id}`,
      );
    await succeeded('e1', '2025-06-02T09:50:00Z');
    await succeeded('e2-manual', '2025-06-02T09:50:00Z', { fingerprint: undefined });
    await failed('e3', '2025-06-02T09:40:00Z');
    await failed('e4', '2025-06-01T20:00:00Z');
    await failed('e5-dry-run', '2025-06-02T09:40:00Z', { mode: 'dry_run' });
    await failed('e6-rejected', '2025-06-02T09:40:00Z', { status: 'rejected' });
    for (const subject of ['alerts.state.changed', 'runbooks.execution.succeeded', 'runbooks.execution.failed'] as const)
      await bus.drained(subject);

    const response = await http(app)('GET', '/api/v1/ops/health', 'viewer-token');
    expect(response.statusCode).toBe(200);
    // Alerts: 10:00 and 09:30 this hour; criticals: 10:00 and yesterday 12:00. Remediations (live, for an
    // alert, that ran): 09:50 and 09:40 this hour; failures 09:40 and yesterday 20:00.
    expect(response.json()).toEqual({ alerts_last_hour: 2, critical_last_24h: 2, remediations_last_hour: 2, remediation_failures_24h: 2 });
  });

  it('prunes minute buckets older than the longest window any answer needs, and nothing younger', async () => {
    // A 7-day SLO, but the compliance API answers up to 90 days: 91 days are kept.
    const now = new Date('2025-06-02T10:05:00.000Z');
    const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
    await seedBuckets(app, [
      { signal: 'notifications.delivered', from: daysAgo(120), to: new Date(daysAgo(120).getTime() + 3 * 60_000), perMinute: 5 },
      { signal: 'notifications.delivered', from: daysAgo(92), to: new Date(daysAgo(92).getTime() + 60_000), perMinute: 5 },
      { signal: 'notifications.delivered', from: daysAgo(90), to: new Date(daysAgo(90).getTime() + 60_000), perMinute: 7 },
    ]);
    expect(await app.get(EventPruningPoller).prune()).toBe(4);
    const left = await app.get(EventCountingService).sums(['notifications.delivered'], daysAgo(200), now);
    // The 90-day-old minute and the one counted in the first test.
    expect(left.get('notifications.delivered')).toBe(8);
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
      // More than 90 days (Prometheus would get increase(..[154d]) per SLO).
      '/api/v1/slo?date_from=2025-01-01',
      // Unknown parameters are refused rather than read as the defaults.
      '/api/v1/slo?datefrom=2025-06-01',
      '/api/v1/slo/summary?days=7&team=a',
      '/api/v1/slos/delivery?steps=1h',
    ])
      expect([url, (await call('GET', url, 'viewer-token')).statusCode]).toEqual([url, 400]);
    expect((await call('GET', '/api/v1/slos/missing', 'viewer-token')).statusCode).toBe(404);
    // 90 days, today included, is the most a range may cover.
    expect((await call('GET', '/api/v1/slo?date_from=2025-03-05', 'viewer-token')).json()).toMatchObject({ days_analyzed: 90 });
    // Rules are for Prometheus SLOs only.
    const rules = await call('GET', '/api/v1/slos/delivery/rules', 'viewer-token');
    expect([rules.statusCode, rules.json().error.code]).toEqual([422, 'not_a_prometheus_slo']);
    const report = await call('POST', '/api/v1/slos/delivery/report', 'operator-token');
    expect(report.statusCode).toBe(201);
    expect(report.json()).toMatchObject({ sloId: 'delivery', compliance: 0.5, window: '7d' });
    expect((await bus.events('slo.report')).map((event) => event.data.sloId)).toEqual(['delivery']);
  });
});
