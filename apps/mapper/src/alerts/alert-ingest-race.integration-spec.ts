import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { alertFingerprint } from '@firebreak/contracts';
import { uniqueTestId } from '@firebreak/testing';
import { BusProbe, closeInstallation, ManualClock, processed, startMapper, useInstallation } from '../testing/mapper-harness';
import { receiptId } from './alert-ingest.service';

describe('mapper: an alert first seen by two replicas at once (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_ingest_race');
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

  it('decides an event again against the row another transaction inserted meanwhile, instead of as a new alert', async () => {
    const labels = { alertname: 'RaceInsert', severity: 'warning' };
    const fingerprint = alertFingerprint(labels);
    const startsAt = clock.now();
    // Another replica's first sighting, caught between its insert and its commit (announced just now).
    const other = db.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    try {
      await other.query(
        `INSERT INTO "${id}".alerts (fingerprint, alertname, severity, status, source, labels, annotations, starts_at, event_at, event_received_at, first_seen, last_seen, occurrences, last_announced_at)
         VALUES ($1, 'RaceInsert', 'warning', 'firing', 'alertmanager', $2::jsonb, '{}', $3, $3, $3, $3, $3, 1, $3)`,
        [fingerprint, JSON.stringify(labels), startsAt],
      );
      clock.advance(1000);
      const event = await bus.publishAlert({ labels, startsAt, receivedAt: clock.now() });
      // The mapper's insert waits for the other one's commit.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await other.commitTransaction();
      await processed(app, receiptId(event));
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
    // A repeat of the alert the other replica announced: counted, inside the dedup window, not announced again.
    const [row] = await db.query(`SELECT status, occurrences FROM "${id}".alerts WHERE fingerprint = $1`, [fingerprint]);
    expect(row).toEqual({ status: 'firing', occurrences: 2 });
    // Neither waiting in the outbox nor published (a published outbox row is deleted). The outbox is read first:
    // a row published and deleted between the two reads is then still seen on the stream.
    const notified = await db.query(
      `SELECT count(*)::int AS n FROM "${id}".outbox WHERE subject = 'alerts.notify' AND event->>'subject' = $1`,
      [fingerprint],
    );
    expect(notified[0].n).toBe(0);
    expect(await bus.events('alerts.notify', fingerprint)).toEqual([]);
    expect(await db.query(`SELECT action FROM "${id}".alert_history WHERE fingerprint = $1`, [fingerprint])).toEqual([]);
  });
});
