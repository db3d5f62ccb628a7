import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { EventPublisher } from '@firebreak/bus';
import { AlertReceived, CloudEvent } from '@firebreak/contracts';
import { uniqueTestId } from '@firebreak/testing';
import { AlertIngestService } from '../alerts/alert-ingest.service';
import { alertEvent, AlertInput, BusProbe, closeInstallation, startMapper, useInstallation } from '../testing/mapper-harness';

const CONSUMER = 'mapper-alerts-received';

/**
 * `escalation_timers` has no foreign key to `alerts` any more (its check cost every new alert a
 * locking lookup): what it guarded, a timer only for an alert that exists, is the lifecycle's to keep.
 */
describe('mapper: escalation timers belong to stored alerts (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_timer_rows');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let db: DataSource;

  beforeAll(async () => {
    bus = await useInstallation(id, {
      tokens: 'viewer-token-1:viewer:vera',
      config: { 'mappings.yaml': 'alertnames:\n  TimerDown: service_unavailable\n', 'escalation.yaml': 'escalation:\n  critical: 5m\n' },
    });
    app = await startMapper();
    db = app.get(DataSource);
  });

  afterAll(() => closeInstallation(id, app, bus));

  const rows = (sql: string) => db.query(sql.replaceAll('S.', `"${id}".`));

  it('the migration dropped the key', async () => {
    const keys = await rows(
      `SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = '"${id}".escalation_timers'::regclass`.replaceAll('S.', ''),
    );
    expect(keys).toEqual([]);
  });

  it('sets a timer for each new critical alert of a batch, on its own row, and cancels it with its resolve', async () => {
    const ingest = app.get(AlertIngestService, { strict: false });
    const publisher = app.get(EventPublisher, { strict: false });
    const now = new Date();
    const labels = (index: number) => ({ alertname: 'TimerDown', instance: `i-${index}`, severity: 'critical' });
    const event = (input: AlertInput): CloudEvent<AlertReceived> => {
      const { id: eventId, data } = alertEvent(input);
      return publisher.build('alerts.received', data, { id: eventId, subject: data.alert.fingerprint });
    };
    const fired = Array.from({ length: 40 }, (_, index) => event({ labels: labels(index), startsAt: now, receivedAt: now }));
    await Promise.all(fired.map((received) => ingest.ingest(received, CONSUMER)));
    const later = new Date(now.getTime() + 1000);
    const resolved = Array.from({ length: 10 }, (_, index) =>
      event({ labels: labels(index), status: 'resolved', startsAt: now, endsAt: later, receivedAt: later }),
    );
    await Promise.all(resolved.map((received) => ingest.ingest(received, CONSUMER)));

    const timers: Array<{ fingerprint: string; alert: string | null; status: string | null }> = await rows(
      'SELECT t.fingerprint, a.fingerprint AS alert, a.status FROM S.escalation_timers t LEFT JOIN S.alerts a USING (fingerprint) ORDER BY 1',
    );
    const stillFiring = fired.slice(10).map((received) => received.data.alert.fingerprint);
    expect(timers.map((timer) => timer.fingerprint)).toEqual([...stillFiring].sort());
    expect(timers.every((timer) => timer.alert === timer.fingerprint && timer.status === 'firing')).toBe(true);
  });
});
