import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { DependencyUnavailableError } from '@firebreak/bus';
import { AlertsReceivedBatch, CloudEvent, streamForSubject } from '@firebreak/contracts';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import { AlertIngestService } from './alert-ingest.service';
import { AlertInput, BusProbe, closeInstallation, ManualClock, processed, startMapper, useInstallation } from '../testing/mapper-harness';

const BATCH_CONSUMER = 'mapper-alerts-received-batch';

/** The ingress's one message per request (alerts.received.batch), fanned out by the mapper into its per-alert intake. */
describe('mapper: alerts.received.batch (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_batch');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: ManualClock;
  let db: DataSource;

  beforeAll(async () => {
    bus = await useInstallation(id, {
      tokens: 'viewer-token-1:viewer:vera',
      config: { 'mappings.yaml': 'alertnames: {}\n', 'escalation.yaml': 'escalation: {}\n' },
    });
    app = await startMapper();
    clock = new ManualClock(app, new Date());
    db = app.get(DataSource);
  });

  afterAll(() => closeInstallation(id, app, bus));

  const labels = (instance: string) => ({ alertname: 'BatchedDown', instance, severity: 'critical' });
  const firing = (instance: string, startsAt: Date): AlertInput => ({ labels: labels(instance), startsAt, receivedAt: clock.now() });
  const kinds = async (fingerprint: string) =>
    (await bus.emitted(db, id, 'alerts.notify', fingerprint))
      .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
      .map((event) => event.data.kind);
  const history = async (fingerprint: string): Promise<string[]> =>
    (await db.query(`SELECT action FROM "${id}".alert_history WHERE fingerprint = $1 ORDER BY id`, [fingerprint])).map(
      (row: { action: string }) => row.action,
    );
  const row = async (fingerprint: string) =>
    (await db.query(`SELECT status, occurrences FROM "${id}".alerts WHERE fingerprint = $1`, [fingerprint]))[0];
  const fingerprints = (batch: CloudEvent<AlertsReceivedBatch>) => batch.data.alerts.map((alert) => alert.data.alert.fingerprint);
  /** Every alert of the batch committed, each in the alerts inbox under its own receipt. */
  const committed = (batch: CloudEvent<AlertsReceivedBatch>) =>
    Promise.all(batch.data.alerts.map((alert) => processed(app, `${alert.id}@${alert.data.receivedAt}`)));
  const consumerInfo = () =>
    bus.connection.jsm.consumers.info(streamForSubject('alerts.received.batch', bus.subjects.prefix), BATCH_CONSUMER);
  /** The batch consumer settled every message up to `seq` (acked them all). */
  const settledUpTo = (seq: number) =>
    waitFor(async () => (await consumerInfo()).ack_floor.stream_seq >= seq, { message: `batch message ${seq} acked` });

  let first: CloudEvent<AlertsReceivedBatch>;

  it('handles each alert of a batch as its own event, once, and acks the message', async () => {
    const startsAt = clock.now();
    first = await bus.publishBatch(['a', 'b', 'c'].map((instance) => firing(`first-${instance}`, startsAt)));

    await committed(first);

    for (const fingerprint of fingerprints(first)) {
      expect(await kinds(fingerprint)).toEqual(['firing']);
      expect(await row(fingerprint)).toEqual({ status: 'firing', occurrences: 1 });
    }
    await waitFor(async () => {
      const info = await consumerInfo();
      return info.num_ack_pending === 0 && info.num_pending === 0;
    });
  });

  it('changes nothing when the same batch is delivered again past the duplicate window', async () => {
    const before = await Promise.all(
      fingerprints(first).map(async (fingerprint) => ({ row: await row(fingerprint), history: await history(fingerprint) })),
    );

    const { seq } = await bus.republish('alerts.received.batch', first);
    await settledUpTo(seq);

    for (const [index, fingerprint] of fingerprints(first).entries()) {
      expect(await kinds(fingerprint)).toEqual(['firing']);
      expect({ row: await row(fingerprint), history: await history(fingerprint) }).toEqual(before[index]);
    }
  });

  it('announces nothing twice when Alertmanager regroups the alerts in another notification', async () => {
    const startsAt = clock.now();
    const grouped = await bus.publishBatch([firing('regroup-a', startsAt), firing('regroup-b', startsAt)]);
    await committed(grouped);
    clock.advance(1_000);

    // The same two alerts, resent in another order beside a new one: another batch, new receipts of the same alerts.
    const regrouped = await bus.publishBatch([firing('regroup-b', startsAt), firing('regroup-c', startsAt), firing('regroup-a', startsAt)]);
    await committed(regrouped);

    const [a, b] = fingerprints(grouped);
    for (const fingerprint of [a, b]) {
      expect(await kinds(fingerprint)).toEqual(['firing']);
      expect(await row(fingerprint)).toEqual({ status: 'firing', occurrences: 2 });
    }
    expect(await kinds(fingerprints(regrouped)[1])).toEqual(['firing']);
  });

  it('keeps firing → resolved in order, inside one batch and across two published back to back', async () => {
    const startsAt = clock.now();
    const inside = labels('order-inside');
    const across = labels('order-across');
    const endsAt = clock.advance(1_000);
    const both = await bus.publishBatch([
      { labels: inside, startsAt, receivedAt: startsAt },
      { labels: inside, startsAt, status: 'resolved', endsAt, receivedAt: endsAt },
    ]);
    const fired = await bus.publishBatch([{ labels: across, startsAt, receivedAt: startsAt }]);
    const resolved = await bus.publishBatch([{ labels: across, startsAt, status: 'resolved', endsAt, receivedAt: endsAt }]);
    await Promise.all([both, fired, resolved].map(committed));

    for (const fingerprint of [fingerprints(both)[0], fingerprints(fired)[0]]) {
      expect(await history(fingerprint)).toEqual(['opened', 'resolved']);
      expect(await kinds(fingerprint)).toEqual(['firing', 'resolved']);
      expect((await row(fingerprint)).status).toBe('resolved');
    }
  });

  it('holds the batch message unacked until every alert in it committed', async () => {
    const startsAt = clock.now();
    const held = await bus.publishBatch([firing('held', startsAt)]);
    await committed(held);
    const [heldFingerprint] = fingerprints(held);
    const runner = db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      // The held alert's row locked elsewhere: the batch's transaction waits for it.
      await runner.query(`SELECT 1 FROM "${id}".alerts WHERE fingerprint = $1 FOR UPDATE`, [heldFingerprint]);
      clock.advance(1_000);
      const waiting = await bus.publishBatch([firing('waiting-new', startsAt), firing('held', startsAt)]);
      await waitFor(async () => (await consumerInfo()).num_ack_pending === 1, { message: 'the batch was delivered' });
      await new Promise((resolve) => setTimeout(resolve, 500));

      expect((await consumerInfo()).num_ack_pending).toBe(1);
      expect(await row(fingerprints(waiting)[0])).toBeUndefined();

      await runner.commitTransaction();
      await committed(waiting);
      await waitFor(async () => (await consumerInfo()).num_ack_pending === 0, { message: 'the batch acked once committed' });
      expect(await row(fingerprints(waiting)[0])).toEqual({ status: 'firing', occurrences: 1 });
      expect(await row(heldFingerprint)).toEqual({ status: 'firing', occurrences: 2 });
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
  });
  /** The intake fails `fingerprint`'s alert with `error` the first `times` times it sees it (in a batch only: `batchOnly`), and as usual after. */
  function failOnce(fingerprint: string, error: Error, times = 1, batchOnly = false): jest.SpyInstance {
    const ingest = app.get(AlertIngestService);
    const original = ingest.ingest.bind(ingest);
    let failures = 0;
    return jest.spyOn(ingest, 'ingest').mockImplementation((event, consumer) => {
      // batchOnly: a copy handed on (published by the mapper itself) goes through.
      const fromBatch = event.source !== 'firebreak/mapper';
      if (failures < times && event.data.alert.fingerprint === fingerprint && (fromBatch || !batchOnly)) {
        failures++;
        return Promise.reject(error);
      }
      return original(event, consumer);
    });
  }

  it('hands an alert that failed on its own on as its own alerts.received event, and acks the batch with its batch-mates committed', async () => {
    const startsAt = clock.now();
    const poisonInput = firing('poison', startsAt);
    const poisonFingerprint = (await bus.publishBatch([poisonInput])).data.alerts[0].data.alert.fingerprint;
    await waitFor(async () => (await row(poisonFingerprint)) !== undefined, { message: 'the first alert committed' });
    clock.advance(1_000);
    const spy = failOnce(poisonFingerprint, new Error('a bug that only this alert hits'));
    try {
      const batch = await bus.publishBatch([
        firing('poison-mate-a', startsAt),
        { ...poisonInput, receivedAt: clock.now() },
        firing('poison-mate-b', startsAt),
      ]);
      const [mateA, poisonAlert, mateB] = batch.data.alerts;
      // The batch is settled at once (not retried 5 times and dead-lettered whole).
      await committed({ ...batch, data: { alerts: [mateA, mateB] } });
      await waitFor(async () => (await consumerInfo()).num_ack_pending === 0 && (await consumerInfo()).num_pending === 0, {
        message: 'the batch acked',
      });
      // Handed on under its own id, and handled through alerts.received like any per-alert event.
      const handedOn = (await bus.events('alerts.received', poisonFingerprint)).filter((event) => event.id === poisonAlert.id);
      expect(handedOn).toHaveLength(1);
      expect(handedOn[0].data).toEqual(poisonAlert.data);
      await processed(app, `${poisonAlert.id}@${poisonAlert.data.receivedAt}`);
      expect(await row(poisonFingerprint)).toEqual({ status: 'firing', occurrences: 2 });
      for (const fingerprint of [mateA, poisonAlert, mateB].map((alert) => alert.data.alert.fingerprint))
        expect(await kinds(fingerprint)).toEqual(['firing']);
    } finally {
      spy.mockRestore();
    }
  });

  it('sends the whole batch back while Postgres is away, and hands nothing on', async () => {
    const startsAt = clock.now();
    const outageInput = firing('outage', startsAt);
    const probe = await bus.publishBatch([firing('outage-probe', startsAt)]);
    await committed(probe);
    const fingerprint = (await bus.publishBatch([outageInput])).data.alerts[0].data.alert.fingerprint;
    await waitFor(async () => (await row(fingerprint)) !== undefined, { message: 'the first alert committed' });
    clock.advance(1_000);
    const handedOnBefore = (await bus.events('alerts.received')).length;
    const spy = failOnce(fingerprint, new DependencyUnavailableError('postgres', { cause: new Error('connect ECONNREFUSED') }));
    try {
      const batch = await bus.publishBatch([firing('outage-mate', startsAt), { ...outageInput, receivedAt: clock.now() }]);
      // Redelivered after the outage's back-off: the committed mate is skipped by the inbox, the other handled now.
      await waitFor(async () => (await row(fingerprint))?.occurrences === 2, { timeoutMs: 15_000, message: 'the batch came back' });
      await committed(batch);
      expect((await bus.events('alerts.received')).length).toBe(handedOnBefore);
      // The whole message came back: its mate went into the intake twice (the second time a duplicate receipt).
      const mate = batch.data.alerts[0].data.alert.fingerprint;
      expect(spy.mock.calls.filter(([event]) => event.data.alert.fingerprint === mate)).toHaveLength(2);
      expect(await kinds(batch.data.alerts[0].data.alert.fingerprint)).toEqual(['firing']);
      expect(await row(batch.data.alerts[0].data.alert.fingerprint)).toEqual({ status: 'firing', occurrences: 1 });
    } finally {
      spy.mockRestore();
    }
  });

  it("hands on a later receipt of the same alert too, within JetStream's duplicate window (a group re-send)", async () => {
    const startsAt = clock.now();
    const input = firing('resent-poison', startsAt);
    const fingerprint = (await bus.publishBatch([input])).data.alerts[0].data.alert.fingerprint;
    await waitFor(async () => (await row(fingerprint)) !== undefined, { message: 'the first alert committed' });
    // Its next two receipts fail in their batches, each alone: both must go on, under one event id.
    const spy = failOnce(fingerprint, new Error('a bug that only this alert hits'), 2, true);
    try {
      const receipts: AlertsReceivedBatch['alerts'] = [];
      for (const mate of ['resent-mate-a', 'resent-mate-b']) {
        clock.advance(1_000);
        const batch = await bus.publishBatch([firing(mate, startsAt), { ...input, receivedAt: clock.now() }]);
        receipts.push(batch.data.alerts[1]);
        await waitFor(async () => (await consumerInfo()).num_ack_pending === 0 && (await consumerInfo()).num_pending === 0, {
          message: 'the batch acked',
        });
      }
      for (const receipt of receipts) await processed(app, `${receipt.id}@${receipt.data.receivedAt}`);
      expect(receipts[0].id).toBe(receipts[1].id);
      expect((await bus.events('alerts.received', fingerprint)).filter((event) => event.id === receipts[0].id)).toHaveLength(2);
      expect(await row(fingerprint)).toEqual({ status: 'firing', occurrences: 3 });
    } finally {
      spy.mockRestore();
    }
  });
});
