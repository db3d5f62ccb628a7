import { receiptId } from './alert-ingest.service';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { deriveEventId, Subject } from '@firebreak/contracts';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import {
  alertEvent,
  BusProbe,
  http,
  ManualClock,
  processed,
  startMapper,
  closeInstallation,
  useInstallation,
} from '../testing/mapper-harness';

const MINUTE = 60_000;
const ADMIN = 'admin-token-1';

describe('mapper: alerts.received → state, dedup, announcements, runbook requests (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_ingest');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: ManualClock;
  let db: DataSource;
  let call: ReturnType<typeof http>;

  beforeAll(async () => {
    bus = await useInstallation(id, {
      tokens: `${ADMIN}:admin:ada`,
      config: {
        'mappings.yaml': [
          'alertnames:',
          '  ServiceDown: service_unavailable',
          '  HighErrorRate: high_error_rate',
          'rules:',
          '  - matchers: [\'team="db"\', \'severity=~"critical|error"\']',
          '    runbook: db_triage',
        ].join('\n'),
        'escalation.yaml': 'escalation: {}\n',
      },
    });
    app = await startMapper();
    clock = new ManualClock(app, new Date());
    db = app.get(DataSource);
    call = http(app);
  });

  afterAll(() => closeInstallation(id, app, bus));

  const alertRow = async (fingerprint: string) => (await db.query(`SELECT * FROM "${id}".alerts WHERE fingerprint = $1`, [fingerprint]))[0];
  const history = async (fingerprint: string): Promise<string[]> =>
    (await db.query(`SELECT action FROM "${id}".alert_history WHERE fingerprint = $1 ORDER BY id`, [fingerprint])).map(
      (row: { action: string }) => row.action,
    );
  const kinds = async (fingerprint: string) => (await bus.events('alerts.notify', fingerprint)).map((event) => event.data.kind);
  const emitted = <S extends Subject>(subject: S, fingerprint?: string) => bus.emitted(db, id, subject, fingerprint);
  const staged = async (subject: Subject, fingerprint: string): Promise<number> => (await emitted(subject, fingerprint)).length;
  const metric = async (name: string, labels: Record<string, string> = {}) =>
    (await register.getSingleMetric(name)!.get()).values.find((value) =>
      Object.entries(labels).every(([key, v]) => value.labels[key] === v),
    )?.value ?? 0;

  /** Publishes at the current test time and waits until the mapper committed it. */
  async function send(
    labels: Record<string, string>,
    options: { startsAt: Date; status?: 'firing' | 'resolved'; endsAt?: Date; annotations?: Record<string, string> },
  ) {
    const event = await bus.publishAlert({ labels, receivedAt: clock.now(), ...options });
    await processed(app, receiptId(event));
    return event;
  }

  it('announces a new firing alert, folds repeats inside the dedup window and announces a repeat after it', async () => {
    const labels = { alertname: 'CacheHot', instance: 'cache-1', severity: 'warning' };
    const startsAt = clock.now();
    const dedupBefore = await metric('firebreak_alerts_deduplicated_total');
    const first = await send(labels, { startsAt });
    const fingerprint = first.data.alert.fingerprint;
    const [firing] = await bus.waitForEvents('alerts.notify', fingerprint, 1);
    expect(firing.id).toBe(deriveEventId('notify', receiptId(first), 'firing'));
    expect(firing.data).toMatchObject({
      kind: 'firing',
      occurrences: 1,
      receivedAt: first.data.receivedAt,
      alert: { fingerprint, status: 'firing', labels },
    });
    expect((await bus.waitForEvents('alerts.state.changed', fingerprint, 1))[0].data).toMatchObject({
      from: null,
      to: 'firing',
      alertname: 'CacheHot',
    });

    clock.advance(4 * MINUTE);
    await send(labels, { startsAt });
    expect(await staged('alerts.notify', fingerprint)).toBe(1);
    expect(await metric('firebreak_alerts_deduplicated_total')).toBe(dedupBefore + 1);

    clock.advance(MINUTE);
    const third = await send(labels, { startsAt });
    const events = await bus.waitForEvents('alerts.notify', fingerprint, 2);
    expect(events[1].id).toBe(deriveEventId('notify', receiptId(third), 'repeat'));
    expect(events[1].data).toMatchObject({ kind: 'repeat', occurrences: 3 });

    clock.advance(MINUTE);
    await send(labels, { startsAt });
    expect(await staged('alerts.notify', fingerprint)).toBe(2);
    const row = await alertRow(fingerprint);
    expect(row).toMatchObject({ status: 'firing', occurrences: 4 });
    expect(row.last_announced_at.getTime()).toBe(startsAt.getTime() + 5 * MINUTE);
  });

  it('announces a resolution once; a late firing of the resolved episode changes nothing; a new firing opens a new episode', async () => {
    const labels = { alertname: 'QueueBacklog', queue: 'mail', severity: 'error' };
    const startsAt = clock.now();
    const fingerprint = (await send(labels, { startsAt })).data.alert.fingerprint;
    clock.advance(10 * MINUTE);
    const resolve = await send(labels, { startsAt, status: 'resolved', endsAt: clock.now() });
    const events = await bus.waitForEvents('alerts.notify', fingerprint, 2);
    expect(events[1]).toMatchObject({
      id: deriveEventId('notify', receiptId(resolve), 'resolved'),
      data: { kind: 'resolved', alert: { status: 'resolved', endsAt: clock.now().toISOString() } },
    });

    clock.advance(MINUTE);
    await send(labels, { startsAt, status: 'resolved', endsAt: new Date(clock.now().getTime() - MINUTE) });
    await send(labels, { startsAt });
    expect(await staged('alerts.notify', fingerprint)).toBe(2);
    expect((await alertRow(fingerprint)).status).toBe('resolved');
    expect(await history(fingerprint)).toEqual(['opened', 'resolved', 'resolution_updated', 'stale_ignored']);

    clock.advance(MINUTE);
    await send(labels, { startsAt: clock.now() });
    expect(await kinds(fingerprint)).toEqual(['firing', 'resolved', 'firing']);
    // The stale firing was not an occurrence: it changed nothing.
    expect(await alertRow(fingerprint)).toMatchObject({ status: 'firing', occurrences: 2 });
  });

  it('keeps an alert resolved when its resolution overtakes its firing, and announces neither', async () => {
    const labels = { alertname: 'DiskSlow', device: 'sda', severity: 'warning' };
    const startsAt = new Date(clock.now().getTime() - 10 * MINUTE);
    const resolve = await send(labels, { startsAt, status: 'resolved', endsAt: clock.now() });
    const fingerprint = resolve.data.alert.fingerprint;
    clock.advance(1000);
    await send(labels, { startsAt });
    expect(await alertRow(fingerprint)).toMatchObject({ status: 'resolved', occurrences: 1, last_announced_at: null });
    expect(await history(fingerprint)).toEqual(['recorded_resolved', 'stale_ignored']);
    expect(await staged('alerts.notify', fingerprint)).toBe(0);
    expect(await staged('runbooks.requested', fingerprint)).toBe(0);
  });

  it("counts a re-send that carries the same event id (Alertmanager's repeat after the stream's duplicate window) and announces it after the dedup window", async () => {
    const labels = { alertname: 'DiskFull', instance: 'db-9', severity: 'warning' };
    const first = await send(labels, { startsAt: clock.now() });
    const fingerprint = first.data.alert.fingerprint;
    await bus.waitForEvents('alerts.notify', fingerprint, 1);
    clock.advance(6 * MINUTE);
    // The ingress derives the id from the alert alone, so a later re-send has the same id.
    const resend = { ...first, data: { ...first.data, receivedAt: clock.now().toISOString() } };
    await bus.republish('alerts.received', resend);
    await processed(app, receiptId(resend));
    const events = await bus.waitForEvents('alerts.notify', fingerprint, 2);
    expect(events[1]).toMatchObject({ id: deriveEventId('notify', receiptId(resend), 'repeat'), data: { kind: 'repeat', occurrences: 2 } });
  });

  it('does nothing twice for a redelivered event', async () => {
    const labels = { alertname: 'ServiceDown', service: 'billing', severity: 'critical' };
    const event = await send(labels, { startsAt: clock.now() });
    const fingerprint = event.data.alert.fingerprint;
    await bus.republish('alerts.received', event);
    const stream = `FIREBREAK_ALERTS_${id.toUpperCase()}`;
    await waitFor(
      async () => {
        const info = await bus.connection.jsm.consumers.info(stream, 'mapper-alerts-received');
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { message: 'the redelivered copy was consumed' },
    );
    expect(await alertRow(fingerprint)).toMatchObject({ occurrences: 1 });
    expect(await staged('alerts.notify', fingerprint)).toBe(1);
    expect(await staged('runbooks.requested', fingerprint)).toBe(1);
    expect(await history(fingerprint)).toEqual(['opened']);
  });

  it('requests the runbook of a newly firing mapped alert once, with the context the design promises', async () => {
    const labels = { alertname: 'HighErrorRate', service: 'api', instance: 'api-7:9100', severity: 'critical' };
    const startsAt = clock.now();
    const event = await send(labels, { startsAt, annotations: { summary: 'errors up' } });
    const fingerprint = event.data.alert.fingerprint;
    const [request] = await bus.waitForEvents('runbooks.requested', fingerprint, 1);
    const requestId = deriveEventId('runbook-request', receiptId(event));
    expect(request.id).toBe(requestId);
    expect(request.data).toEqual({
      requestId,
      runbookId: 'high_error_rate',
      mode: 'live',
      trigger: 'alert',
      // Chosen by the alertname table of mappings.yaml, not by an annotation.
      selectedBy: 'file_alertname',
      fingerprint,
      params: {},
      context: {
        alert_name: 'HighErrorRate',
        alert_labels: labels,
        alert_annotations: { summary: 'errors up' },
        triggered_at: startsAt.toISOString(),
        severity: 'critical',
        instance: 'api-7:9100',
        fingerprint,
      },
    });
    expect((await bus.events('alerts.notify', fingerprint))[0].data.runbook).toEqual({ id: 'high_error_rate' });
    clock.advance(6 * MINUTE);
    await send(labels, { startsAt });
    expect(await kinds(fingerprint)).toEqual(['firing', 'repeat']);
    expect(await staged('runbooks.requested', fingerprint)).toBe(1);
    expect(await metric('firebreak_runbooks_requested_total', { runbook: 'high_error_rate' })).toBe(1);
  });

  it('maps by annotation, then runtime mapping, then the file table, then label rules', async () => {
    const requested = async (labels: Record<string, string>, annotations: Record<string, string> = {}) => {
      const event = await send(labels, { startsAt: clock.now(), annotations });
      const fingerprint = event.data.alert.fingerprint;
      if ((await staged('runbooks.requested', fingerprint)) === 0) return null;
      return (await bus.waitForEvents('runbooks.requested', fingerprint, 1))[0].data.runbookId;
    };
    expect(
      await requested({ alertname: 'ServiceDown', team: 'db', severity: 'critical', n: '1' }, { automation_runbook: 'custom_fix' }),
    ).toBe('custom_fix');
    expect(await requested({ alertname: 'ServiceDown', team: 'db', severity: 'critical', n: '2' })).toBe('service_unavailable');
    expect(await requested({ alertname: 'SlowQueries', team: 'db', severity: 'error', n: '3' })).toBe('db_triage');
    expect(await requested({ alertname: 'SlowQueries', team: 'db', severity: 'info', n: '4' })).toBeNull();

    expect((await call('PUT', '/api/v1/mappings/ServiceDown', ADMIN, { runbookId: 'restart_v2' })).statusCode).toBe(200);
    expect(await requested({ alertname: 'ServiceDown', team: 'db', severity: 'critical', n: '5' })).toBe('restart_v2');
    expect(await requested({ alertname: 'ServiceDown', n: '6' }, { automation_runbook: 'custom_fix' })).toBe('custom_fix');
    expect((await call('DELETE', '/api/v1/mappings/ServiceDown', ADMIN)).statusCode).toBe(204);
    expect(await requested({ alertname: 'ServiceDown', n: '7' })).toBe('service_unavailable');
  });

  it('takes a storm of alerts published at once: each new alert announced once, each repeat folded in', async () => {
    const dedupBefore = await metric('firebreak_alerts_deduplicated_total');
    const startsAt = clock.now();
    const at = clock.now().getTime();
    const items = Array.from({ length: 150 }, (_, i) => i).flatMap((i) =>
      [0, 1].map((copy) => {
        const { id: eventId, data } = alertEvent({
          labels: { alertname: 'StormAlert', shard: String(i), severity: 'warning' },
          startsAt,
          receivedAt: new Date(at + copy),
        });
        return { subject: 'alerts.received' as const, data, options: { id: eventId, subject: data.alert.fingerprint } };
      }),
    );
    await bus.publisher.publishMany(items);
    await waitFor(
      async () =>
        (await db.query(`SELECT count(*)::int AS n FROM "${id}".alerts WHERE alertname = 'StormAlert' AND occurrences = 2`))[0].n === 150,
      {
        timeoutMs: 30_000,
        message: 'every storm alert seen twice',
      },
    );
    // Each storm alert announced once: 150 events about 150 fingerprints.
    const storm = (await emitted('alerts.notify')).filter((event) => event.data.alert.labels.alertname === 'StormAlert');
    expect(storm).toHaveLength(150);
    expect(new Set(storm.map((event) => event.subject)).size).toBe(150);
    expect(await metric('firebreak_alerts_deduplicated_total')).toBe(dedupBefore + 150);
  });

  it('stores hostile label values as sent (minus NUL, which Postgres cannot hold) and announces them unchanged', async () => {
    const long = 'x'.repeat(5000);
    const labels = {
      alertname: 'constructor',
      html: '<script>alert(1)</script>&amp;',
      slack: '<!channel> *bold* _it_',
      shell: '$(rm -rf /); `id` | cat /etc/passwd',
      sql: "'); DROP TABLE alerts; --",
      nul: 'a\u0000b',
      surrogate: 'x\ud800y',
      long,
    };
    const event = await send(labels, {
      startsAt: clock.now(),
      annotations: { summary: '<b>hi</b>', automation_runbook: '../../etc/passwd' },
    });
    const fingerprint = event.data.alert.fingerprint;
    const [notify] = await bus.waitForEvents('alerts.notify', fingerprint, 1);
    expect(notify.data.alert.labels).toEqual({ ...labels, nul: 'a\uFFFDb', surrogate: 'x\uFFFDy' });
    expect((await alertRow(fingerprint)).labels.long).toHaveLength(5000);
    expect(await staged('runbooks.requested', fingerprint)).toBe(0);
  });
});
