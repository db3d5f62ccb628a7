import { receiptId } from './alert-ingest.service';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { uniqueTestId } from '@firebreak/testing';
import { BusProbe, http, ManualClock, processed, startMapper, closeInstallation, useInstallation } from '../testing/mapper-harness';

const MINUTE = 60_000;
const FAR = new Date('9999-12-31T23:59:59Z');

/**
 * Time the mapper cannot trust: senders whose clocks run ahead (or send 9999), and replicas whose
 * clocks differ (real NATS and Postgres, the app in-process).
 */
describe('mapper: clocks it cannot trust (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_clock');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: ManualClock;

  beforeAll(async () => {
    bus = await useInstallation(id, {
      tokens: 'operator-token-1:operator:otto',
      config: { 'mappings.yaml': 'alertnames: {}\n', 'escalation.yaml': 'escalation: {}\n' },
      env: { FIREBREAK_MAX_CLOCK_SKEW: '5m' },
    });
    app = await startMapper();
    clock = new ManualClock(app, new Date());
  });

  afterAll(() => closeInstallation(id, app, bus));

  const db = () => app.get(DataSource);
  const alertRow = async (fingerprint: string) =>
    (await db().query(`SELECT * FROM "${id}".alerts WHERE fingerprint = $1`, [fingerprint]))[0];
  const history = async (fingerprint: string): Promise<Array<{ action: string; details: Record<string, unknown> }>> =>
    db().query(`SELECT action, details FROM "${id}".alert_history WHERE fingerprint = $1 ORDER BY id`, [fingerprint]);
  const kinds = async (fingerprint: string) => (await bus.events('alerts.notify', fingerprint)).map((event) => event.data.kind);
  const clamped = async (field: string) =>
    (await register.getSingleMetric('firebreak_alerts_clock_skew_clamped_total')!.get()).values.find(
      (value) => value.labels.field === field,
    )?.value ?? 0;

  async function send(
    target: { app: NestFastifyApplication; clock: ManualClock },
    labels: Record<string, string>,
    options: { startsAt: Date; status?: 'firing' | 'resolved'; endsAt?: Date },
  ) {
    const event = await bus.publishAlert({ labels, receivedAt: target.clock.now(), ...options });
    await processed(target.app, receiptId(event));
    return event;
  }

  it('orders a 9999 startsAt or endsAt as its receipt: re-sends stay one episode, the resolution ends it, the next episode opens', async () => {
    const mapper = { app, clock };
    const labels = { alertname: 'ClockFromTheFuture', instance: 'edge-1', severity: 'warning' };
    const startsBefore = await clamped('startsAt');
    const endsBefore = await clamped('endsAt');

    const first = await send(mapper, labels, { startsAt: FAR });
    const fingerprint = first.data.alert.fingerprint;
    const openedAt = clock.now();
    clock.advance(6 * MINUTE);
    await send(mapper, labels, { startsAt: FAR });
    clock.advance(MINUTE);
    await send(mapper, labels, { startsAt: FAR, status: 'resolved', endsAt: clock.now() });
    expect(await kinds(fingerprint)).toEqual(['firing', 'repeat', 'resolved']);
    // The episode keeps the startsAt it was sent with; it was ordered by its receipt.
    const resolved = await alertRow(fingerprint);
    expect(resolved).toMatchObject({ status: 'resolved', occurrences: 2 });
    expect(resolved.starts_at.getTime()).toBe(FAR.getTime());

    // A resolution of the next episode with endsAt 9999 does not make every later firing stale.
    clock.advance(MINUTE);
    const secondStart = clock.now();
    await send(mapper, labels, { startsAt: secondStart });
    clock.advance(MINUTE);
    await send(mapper, labels, { startsAt: secondStart, status: 'resolved', endsAt: FAR });
    clock.advance(MINUTE);
    await send(mapper, labels, { startsAt: clock.now() });
    expect(await kinds(fingerprint)).toEqual(['firing', 'repeat', 'resolved', 'firing', 'resolved', 'firing']);
    expect((await alertRow(fingerprint)).status).toBe('firing');

    expect(await clamped('startsAt')).toBe(startsBefore + 2);
    expect(await clamped('endsAt')).toBe(endsBefore + 1);
    const entries = await history(fingerprint);
    expect(entries.map((entry) => entry.action)).toEqual(['opened', 'repeat_announced', 'resolved', 'reopened', 'resolved', 'reopened']);
    expect(entries[0].details.clockSkew).toEqual({ field: 'startsAt', sent: FAR.toISOString(), orderedAs: openedAt.toISOString() });
    expect(entries[4].details.clockSkew).toMatchObject({ field: 'endsAt', sent: FAR.toISOString() });
  });

  it('stamps a resolve handled by a replica 10 minutes behind after the firing the other announced, so the notifier sends it', async () => {
    const labels = { alertname: 'ReplicaClocks', instance: 'api-1', severity: 'critical' };
    // This replica's clock runs 10 minutes ahead of the one that takes over.
    const ahead = { app, clock };
    ahead.clock.advance(10 * MINUTE);
    const startsAt = new Date(ahead.clock.now().getTime() - 10 * MINUTE);
    const first = await send(ahead, labels, { startsAt });
    const fingerprint = first.data.alert.fingerprint;

    const behindApp = await startMapper();
    const behind = { app: behindApp, clock: new ManualClock(behindApp, new Date(ahead.clock.now().getTime() - 10 * MINUTE)) };
    // The replica ahead stops, so the one behind handles the resolution (both consume one durable consumer).
    await app.close();
    app = behindApp;
    behind.clock.advance(MINUTE);
    await send(behind, labels, { startsAt, status: 'resolved', endsAt: behind.clock.now() });

    const [firing, resolved] = await bus.waitForEvents('alerts.notify', fingerprint, 2);
    expect([firing.data.kind, resolved.data.kind]).toEqual(['firing', 'resolved']);
    // The notifier skips a delivery whose stamp (the event's time) is older than one it already sent
    // for the alert (`sent_ordered_at > ordered_at` in apps/notifier/src/delivery/deliveries.repository.ts):
    // the resolve must be stamped after the firing, though this replica's clock says 9 minutes earlier.
    expect(Date.parse(resolved.time)).toBeGreaterThan(Date.parse(firing.time));
    expect(Date.parse(resolved.time)).toBeGreaterThan(behind.clock.now().getTime());
    const [opened, closed] = await bus.waitForEvents('alerts.state.changed', fingerprint, 2);
    expect(Date.parse(closed.time)).toBeGreaterThan(Date.parse(opened.time));
    expect((await alertRow(fingerprint)).stamped_at.getTime()).toBe(Date.parse(resolved.time));
  });

  it("orders a resolution by hand at its replica's clock, not at the stamp a replica 10 minutes ahead left, so the next episode opens", async () => {
    const labels = { alertname: 'ResolvedByHand', instance: 'db-1', severity: 'critical' };
    const realStart = new Date();
    // Only the replica 10 minutes ahead runs while Alertmanager (correct clock) sends the firing.
    await app.close();
    const aheadApp = await startMapper();
    app = aheadApp;
    const ahead = { app: aheadApp, clock: new ManualClock(aheadApp, new Date(realStart.getTime() + 10 * MINUTE)) };
    const first = await send(ahead, labels, { startsAt: realStart });
    const fingerprint = first.data.alert.fingerprint;

    // A correct replica takes over; an operator resolves by hand at real minute 1.
    const correctApp = await startMapper();
    const correct = { app: correctApp, clock: new ManualClock(correctApp, new Date(realStart.getTime() + MINUTE)) };
    await app.close();
    app = correctApp;
    const resolved = await http(app)('POST', `/api/v1/alerts/${fingerprint}/resolve`, 'operator-token-1', { note: 'fixed' });
    expect(resolved.statusCode).toBe(200);
    const row = await alertRow(fingerprint);
    expect(row.event_at.getTime()).toBe(realStart.getTime() + MINUTE);
    // Announcements stay in order: the resolve is stamped after the firing made 10 minutes "later".
    expect(row.stamped_at.getTime()).toBeGreaterThan(realStart.getTime() + 10 * MINUTE);

    // Alertmanager's next episode starts at real minute 4 (and every re-send keeps that startsAt).
    correct.clock.advance(3 * MINUTE);
    await send(correct, labels, { startsAt: correct.clock.now() });
    expect(await kinds(fingerprint)).toEqual(['firing', 'resolved', 'firing']);
    expect((await alertRow(fingerprint)).status).toBe('firing');
    const events = await bus.waitForEvents('alerts.notify', fingerprint, 3);
    expect(events.map((event) => Date.parse(event.time))).toEqual(events.map((event) => Date.parse(event.time)).sort((a, b) => a - b));
  });
});
