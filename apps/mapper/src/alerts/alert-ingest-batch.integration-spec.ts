import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { EventPublisher, TransactionalMessaging } from '@firebreak/bus';
import { CloudEvent, AlertReceived, Subject } from '@firebreak/contracts';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import { alertEvent, AlertInput, BusProbe, closeInstallation, ManualClock, startMapper, useInstallation } from '../testing/mapper-harness';
import { WriteBatch } from '../core/write-batch';
import { TimersRepository } from '../lifecycle/timers.repository';
import { AlertIngestService, INGEST_BATCH, IngestResult } from './alert-ingest.service';

const CONSUMER = 'mapper-alerts-received';

/**
 * The batched intake as the consumer drives it (events submitted in one turn share transactions),
 * with the writes of a batch gathered into one statement per table: what must hold whatever the batching.
 */
describe('mapper: alerts.received in batches (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_ingest_batch');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: ManualClock;
  let db: DataSource;
  let ingest: AlertIngestService;
  let publisher: EventPublisher;

  beforeAll(async () => {
    bus = await useInstallation(id, {
      tokens: 'viewer-token-1:viewer:vera',
      config: { 'mappings.yaml': 'alertnames:\n  BatchDown: service_unavailable\n', 'escalation.yaml': 'escalation:\n  critical: 5m\n' },
    });
    app = await startMapper();
    clock = new ManualClock(app, new Date());
    db = app.get(DataSource);
    ingest = app.get(AlertIngestService, { strict: false });
    publisher = app.get(EventPublisher, { strict: false });
  });

  afterAll(() => closeInstallation(id, app, bus));

  const labels = (name: string) => ({ alertname: 'BatchDown', instance: name, severity: 'critical' });
  const event = (input: AlertInput): CloudEvent<AlertReceived> => {
    const { id: eventId, data } = alertEvent(input);
    return publisher.build('alerts.received', data, { id: eventId, subject: data.alert.fingerprint });
  };
  /** Submitted in one turn, as a burst of messages is: the batcher gathers them. */
  const submit = (events: Array<CloudEvent<AlertReceived>>): Promise<IngestResult[]> =>
    Promise.all(events.map((received) => ingest.ingest(received, CONSUMER)));
  const rows = (sql: string, params: unknown[] = []) => db.query(sql.replaceAll('S.', `"${id}".`), params);
  const count = async (sql: string, params: unknown[] = []) => (await rows(sql, params))[0].n as number;
  const historyOf = async (fingerprint: string) =>
    (await rows('SELECT action FROM S.alert_history WHERE fingerprint = $1 ORDER BY id', [fingerprint])).map(
      (row: { action: string }) => row.action,
    );
  const emitted = <S extends Subject>(subject: S, fingerprint?: string) => bus.emitted(db, id, subject, fingerprint);
  const notifiesOf = async (fingerprint: string): Promise<Array<{ kind: string; time: string }>> =>
    (await emitted('alerts.notify', fingerprint))
      .map((event) => ({ kind: event.data.kind, time: event.time }))
      .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const writes = async () => ({
    history: await count('SELECT count(*)::int AS n FROM S.alert_history'),
    events: (
      await Promise.all((['alerts.notify', 'alerts.state.changed', 'runbooks.requested'] as const).map((subject) => emitted(subject)))
    ).flat().length,
    requests: await count('SELECT count(*)::int AS n FROM S.runbook_requests'),
    timers: await count('SELECT count(*)::int AS n FROM S.escalation_timers'),
  });

  let storm: Array<CloudEvent<AlertReceived>>;

  it('writes a storm in a few transactions, each alert once, and keeps an alert that fires and resolves in it in order', async () => {
    const startsAt = clock.now();
    const fresh = Array.from({ length: 40 }, (_, i) => event({ labels: labels(`storm-${i}`), startsAt, receivedAt: clock.now() }));
    const flapping = labels('flapping');
    const fired = event({ labels: flapping, startsAt, receivedAt: clock.now() });
    const resolved = event({ labels: flapping, startsAt, status: 'resolved', endsAt: clock.advance(1000), receivedAt: clock.now() });
    storm = [...fresh.slice(0, 20), fired, ...fresh.slice(20), resolved];

    const results = await submit(storm);

    expect(results.every((result) => !result.duplicate)).toBe(true);
    const fingerprint = fired.data.alert.fingerprint;
    expect(await historyOf(fingerprint)).toEqual(['opened', 'resolved']);
    const announced = await notifiesOf(fingerprint);
    expect(announced.map((row) => row.kind)).toEqual(['firing', 'resolved']);
    expect(Date.parse(announced[1].time)).toBeGreaterThan(Date.parse(announced[0].time));
    const [row] = await rows('SELECT status, occurrences, labels FROM S.alerts WHERE fingerprint = $1', [fingerprint]);
    expect(row).toEqual({ status: 'resolved', occurrences: 1, labels: flapping });
    // Its escalation timer was set by the firing and cancelled by the resolution; the others' stay.
    expect(await count('SELECT count(*)::int AS n FROM S.escalation_timers WHERE fingerprint = $1', [fingerprint])).toBe(0);
    expect(await writes()).toEqual({ history: 42, events: 41 * 3 + 2, requests: 41, timers: 40 });
    for (const received of fresh.slice(0, 3)) {
      expect(await historyOf(received.data.alert.fingerprint)).toEqual(['opened']);
      expect((await notifiesOf(received.data.alert.fingerprint)).map((n) => n.kind)).toEqual(['firing']);
    }
  });

  it('changes nothing when the whole storm is delivered again', async () => {
    const before = await writes();
    const rowsBefore = await rows('SELECT fingerprint, occurrences, updated_at FROM S.alerts ORDER BY fingerprint');

    const results = await submit(storm);

    expect(results.every((result) => result.duplicate)).toBe(true);
    expect(await writes()).toEqual(before);
    expect(await rows('SELECT fingerprint, occurrences, updated_at FROM S.alerts ORDER BY fingerprint')).toEqual(rowsBefore);
  });

  it('writes a repeat as the whole row the transaction holds: only what the decision changed moves', async () => {
    const first = storm[0];
    const fingerprint = first.data.alert.fingerprint;
    const [before] = await rows('SELECT * FROM S.alerts WHERE fingerprint = $1', [fingerprint]);
    clock.advance(60_000);
    const [result] = await submit([
      event({ labels: labels('storm-0'), startsAt: new Date(first.data.alert.startsAt), receivedAt: clock.now() }),
    ]);
    expect(result).toEqual({ duplicate: false, transition: 'repeat' });
    const [after] = await rows('SELECT * FROM S.alerts WHERE fingerprint = $1', [fingerprint]);
    expect(after.occurrences).toBe(2);
    expect(after.last_seen.getTime()).toBe(clock.now().getTime());
    const unchanged = [
      'alertname',
      'severity',
      'status',
      'labels',
      'annotations',
      'generator_url',
      'starts_at',
      'first_seen',
      'last_announced_at',
      'runbook',
    ];
    for (const column of unchanged) expect({ [column]: after[column] }).toEqual({ [column]: before[column] });
  });

  it('publishes once what a failed publish after the commit left in the outbox (the relay)', async () => {
    const received = event({ labels: labels('unpublished'), startsAt: clock.now(), receivedAt: clock.now() });
    const fingerprint = received.data.alert.fingerprint;
    const publish = publisher.publishEvent.bind(publisher);
    publisher.publishEvent = () => Promise.reject(new Error('NATS went away between the commit and the publish'));
    try {
      expect(await submit([received])).toEqual([{ duplicate: false, transition: 'open' }]);
    } finally {
      publisher.publishEvent = publish;
    }
    expect(await count('SELECT count(*)::int AS n FROM S.outbox WHERE event->>$1 = $2 AND sent_at IS NULL', ['subject', fingerprint])).toBe(
      3,
    );
    // Old enough for the relay (it leaves rows younger than its grace to the publish after commit).
    await rows(`UPDATE S.outbox SET created_at = now() - interval '1 minute' WHERE event->>'subject' = $1`, [fingerprint]);
    const messaging = app.get(TransactionalMessaging, { strict: false });
    await waitFor(
      async () =>
        (await messaging.sweep()) >= 0 &&
        (await count('SELECT count(*)::int AS n FROM S.outbox WHERE event->>$1 = $2 AND sent_at IS NULL', ['subject', fingerprint])) === 0,
      {
        message: 'the relay published the rows left unsent',
      },
    );
    await messaging.sweep();
    const notified = await bus.waitForEvents('alerts.notify', fingerprint, 1);
    expect(notified.map((n) => n.data.kind)).toEqual(['firing']);
    expect(await bus.events('runbooks.requested', fingerprint)).toHaveLength(1);
    expect(await bus.events('alerts.state.changed', fingerprint)).toHaveLength(1);
  });

  it('loses and doubles nothing when its Postgres connection dies in the middle of a batch', async () => {
    const held = storm[1].data.alert.fingerprint;
    const startsAt = clock.now();
    const repeat = event({ labels: labels('storm-1'), startsAt: new Date(storm[1].data.alert.startsAt), receivedAt: clock.advance(1000) });
    const fresh = Array.from({ length: 5 }, (_, i) => event({ labels: labels(`outage-${i}`), startsAt, receivedAt: clock.now() }));
    const other = db.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    let results: Promise<IngestResult[]> | undefined;
    try {
      // Holds one alert of the batch, so the batch waits on it mid-transaction; its connection is then killed.
      await other.query(`SELECT 1 FROM "${id}".alerts WHERE fingerprint = $1 FOR UPDATE`, [held]);
      results = submit([repeat, ...fresh]);
      let waiting: Array<{ pid: number }> = [];
      await waitFor(
        async () =>
          (waiting = await db.query(
            `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND position($1 in query) > 0 AND query LIKE '%FOR UPDATE%'`,
            [`"${id}".alerts`],
          )).length === 1,
        { message: 'the batch waiting on the held alert' },
      );
      await db.query('SELECT pg_terminate_backend($1)', [waiting[0].pid]);
    } finally {
      await other.commitTransaction();
      await other.release();
    }
    // The batch failed; its events were tried again one by one, each in its own transaction.
    expect((await results!).map((result) => result.duplicate)).toEqual([false, false, false, false, false, false]);
    expect((await rows('SELECT occurrences FROM S.alerts WHERE fingerprint = $1', [held]))[0].occurrences).toBe(2);
    for (const received of fresh) {
      const fingerprint = received.data.alert.fingerprint;
      expect(await historyOf(fingerprint)).toEqual(['opened']);
      expect((await notifiesOf(fingerprint)).map((n) => n.kind)).toEqual(['firing']);
    }
    const receipts = [repeat, ...fresh].map((received) => `${received.id}@${received.data.receivedAt}`);
    expect(await count('SELECT count(*)::int AS n FROM S.inbox WHERE consumer = $1 AND event_id = ANY($2)', [CONSUMER, receipts])).toBe(6);
  });

  it("keeps the last change of an alert's escalation timer made in one transaction", async () => {
    const timers = app.get(TimersRepository, { strict: false });
    const [set, cancelled] = [storm[2], storm[3]].map((received) => received.data.alert.fingerprint);
    const due = new Date(clock.now().getTime() + 60_000);
    await db.transaction(async (manager) => {
      const batch = new WriteBatch(manager);
      timers.cancel(batch, [set]);
      timers.schedule(batch, set, due, 60_000, 'later-set', clock.now());
      timers.schedule(batch, cancelled, due, 60_000, 'earlier-set', clock.now());
      timers.cancel(batch, [cancelled]);
      await batch.flush();
    });
    expect(await rows('SELECT fingerprint, source_id FROM S.escalation_timers WHERE fingerprint = ANY($1)', [[set, cancelled]])).toEqual([
      { fingerprint: set, source_id: 'later-set' },
    ]);
  });

  it('keeps each alert of a burst of several full batches once and in order, and a redelivery of it changes nothing', async () => {
    const startsAt = clock.now();
    const fresh = Array.from({ length: INGEST_BATCH.maxSize * 2 }, (_, i) =>
      event({ labels: labels(`burst-${i}`), startsAt, receivedAt: clock.now() }),
    );
    const flapping = Array.from({ length: 4 }, (_, i) => labels(`burst-flapping-${i}`));
    const fired = flapping.map((alert) => event({ labels: alert, startsAt, receivedAt: clock.now() }));
    const endsAt = clock.advance(1000);
    const resolved = flapping.map((alert) => event({ labels: alert, startsAt, status: 'resolved', endsAt, receivedAt: clock.now() }));
    // Resolves right behind their firing, and a batch (or more) later: each must wait for its firing's batch to commit.
    const half = fresh.length / 2;
    const burst = [
      fired[0],
      fired[1],
      resolved[1],
      ...fresh.slice(0, half),
      fired[2],
      ...fresh.slice(half),
      resolved[0],
      resolved[2],
      fired[3],
      resolved[3],
    ];
    const fingerprints = [...new Set(burst.map((received) => received.data.alert.fingerprint))];
    const actions = async () =>
      Object.fromEntries(
        (
          await rows(
            'SELECT fingerprint, array_agg(action ORDER BY id) AS actions FROM S.alert_history WHERE fingerprint = ANY($1) GROUP BY fingerprint',
            [fingerprints],
          )
        ).map((row: { fingerprint: string; actions: string[] }) => [row.fingerprint, row.actions]),
      );
    const expected = (kinds: string[], flapped: string[]) =>
      Object.fromEntries(
        burst.map(({ data: { alert } }) => [alert.fingerprint, alert.labels.instance.startsWith('burst-flapping') ? flapped : kinds]),
      );

    expect((await submit(burst)).filter((result) => result.duplicate)).toEqual([]);

    expect(await actions()).toEqual(expected(['opened'], ['opened', 'resolved']));
    const notifies = new Map<string, Array<{ kind: string; time: string }>>();
    for (const notify of await emitted('alerts.notify'))
      if (fingerprints.includes(notify.data.alert.fingerprint))
        notifies.set(notify.data.alert.fingerprint, [
          ...(notifies.get(notify.data.alert.fingerprint) ?? []),
          { kind: notify.data.kind, time: notify.time },
        ]);
    const ordered = [...notifies].map(
      ([fingerprint, list]) => [fingerprint, [...list].sort((a, b) => Date.parse(a.time) - Date.parse(b.time))] as const,
    );
    expect(Object.fromEntries(ordered.map(([fingerprint, list]) => [fingerprint, list.map((notify) => notify.kind)]))).toEqual(
      expected(['firing'], ['firing', 'resolved']),
    );
    for (const [, list] of ordered) if (list.length === 2) expect(Date.parse(list[1].time)).toBeGreaterThan(Date.parse(list[0].time));

    expect((await submit(burst)).filter((result) => !result.duplicate)).toEqual([]);
    expect(await actions()).toEqual(expected(['opened'], ['opened', 'resolved']));
  });
});
