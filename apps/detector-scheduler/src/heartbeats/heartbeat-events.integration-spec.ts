import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventPublisher } from '@firebreak/bus';
import { AlertReceived, streamForSubject } from '@firebreak/contracts';
import { FakeClock, sampleAlertReceived, uniqueTestId, waitFor } from '@firebreak/testing';
import { BusReader, closeInstallation, http, runDue, startScheduler, TOKENS, useInstallation } from '../testing/detector-harness';
import { heartbeatDurable } from './heartbeat-events.consumer';
import { HeartbeatsService } from './heartbeats.service';

const ID = uniqueTestId('det_beat_events');
const MINUTE = 60_000;
// Before any real event's time: an event stamped later than the clock counts as a beat "now".
const T0 = new Date('2025-03-01T12:00:00.000Z');
const OPERATOR = TOKENS.split(',')[1].split(':')[0];

const alert = (alertname: string, status: 'firing' | 'resolved' = 'firing'): AlertReceived => {
  const data = sampleAlertReceived({ labels: { alertname, job: 'cron' } });
  return { ...data, alert: { ...data.alert, status } };
};

/**
 * Heartbeat detectors fed by bus events (detectors.yaml `event`): a real `alerts.received` event
 * published on the installation's stream is read by the scheduler's own durable consumer.
 */
describe('heartbeats from bus events', () => {
  const clock = new FakeClock(T0);
  let bus: BusReader;
  let app: NestFastifyApplication;
  let publisher: EventPublisher;

  const heartbeat = (id: string) => app.get(HeartbeatsService).read(id, clock.now());
  const beatsOf = async (id: string) => (await heartbeat(id)).beats;
  const consumerIdle = async () => {
    const info = await bus.connection.jsm.consumers.info(streamForSubject('alerts.received', ID), heartbeatDurable('alerts.received'));
    return info.num_pending === 0 && info.num_ack_pending === 0;
  };

  beforeAll(async () => {
    bus = await useInstallation(ID, {
      'detectors.yaml': `
detectors:
  - id: watchdog
    name: WatchdogSilent
    type: heartbeat
    window: 5m
    interval: 1m
    event: { subject: alerts.received, match: { alert.labels.alertname: Watchdog, alert.status: firing } }
  - id: canary
    type: heartbeat
    window: 5m
    interval: 1m
    event: { subject: alerts.received, match: { alert.labels.alertname: Canary } }
`,
    });
    app = await startScheduler(clock);
    publisher = new EventPublisher(bus.connection, { source: 'ingress', subjects: bus.subjects, publishTimeoutMs: 5_000 });
    // The first check registers both detectors at T0: one window of grace.
    expect((await runDue(app)).map((r) => [r.detector.id, r.outcome.status])).toEqual([
      ['watchdog', 'pass'],
      ['canary', 'pass'],
    ]);
  });

  afterAll(async () => {
    publisher?.close();
    await closeInstallation(ID, [app], bus);
  });

  it('counts an event that matches every field as a beat, ignores the rest, and a redelivered event once', async () => {
    await publisher.publish('alerts.received', alert('Other'));
    await publisher.publish('alerts.received', alert('Watchdog', 'resolved'));
    const { event } = await publisher.publish('alerts.received', alert('Watchdog'));
    await waitFor(async () => (await beatsOf('watchdog')) === 1, { message: 'the matching event was not counted' });
    // Stamped after the clock's now: the beat is now, never in the future.
    expect((await heartbeat('watchdog')).lastBeatAt).toEqual(clock.now());

    // The same event again under another Nats-Msg-Id (JetStream's dedup would drop a plain retry),
    // then a marker that beats the other detector: once it is counted and the consumer is idle,
    // the copy has been handled too.
    await bus.connection.js.publish(bus.subjects.wire('alerts.received'), JSON.stringify(event), { msgID: `${event.id}-copy` });
    await publisher.publish('alerts.received', alert('Canary'));
    await waitFor(async () => (await beatsOf('canary')) === 1 && (await consumerIdle()), { message: 'the marker was not counted' });
    expect(await beatsOf('watchdog')).toBe(1);
  });

  it('a beat older than the window fails the detector and raises its alert; a new event resolves it', async () => {
    await clock.advance(6 * MINUTE);
    const late = await runDue(app);
    expect(late.map((r) => [r.detector.id, r.outcome.status, r.alert])).toEqual([
      ['watchdog', 'fail', 'raised'],
      ['canary', 'fail', 'raised'],
    ]);
    expect(late[0].outcome.message).toContain('over the 300 s window');

    // The event's own time is the beat's: 30 s before now, as the job ran.
    const ranAt = new Date(clock.now().getTime() - 30_000);
    await publisher.publish('alerts.received', alert('Watchdog'), { time: ranAt });
    await waitFor(async () => (await beatsOf('watchdog')) === 2, { message: 'the new event was not counted' });
    expect((await heartbeat('watchdog')).lastBeatAt).toEqual(ranAt);

    await clock.advance(MINUTE);
    const back = await runDue(app);
    expect(back.map((r) => [r.detector.id, r.outcome.status, r.alert])).toEqual([
      ['watchdog', 'pass', 'resolved'],
      ['canary', 'fail', null],
    ]);
    const alerts = await bus.waitForEvents(
      'alerts.received',
      2,
      (e) => e.source === 'firebreak/detector-scheduler' && e.data.alert.labels.detector === 'watchdog',
    );
    expect(alerts.map((e) => [e.data.alert.labels.alertname, e.data.alert.status])).toEqual([
      ['WatchdogSilent', 'firing'],
      ['WatchdogSilent', 'resolved'],
    ]);
  });

  it('still takes beats through the API beside the events', async () => {
    const response = await http(app)('POST', '/api/v1/heartbeats/watchdog', OPERATOR);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ detector: 'watchdog', beats: 3 });
  });
});
