import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { register } from 'prom-client';
import { DependencyUnavailableError } from '@firebreak/bus';
import { LOGGER } from '@firebreak/platform';
import { resolveDatabaseUrl, TcpProxy, uniqueTestId } from '@firebreak/testing';
import { AlertIngestService, receiptId } from '../alerts/alert-ingest.service';
import { alertEvent, BusProbe, closeInstallation, http, processed, startMapper, useInstallation } from '../testing/mapper-harness';
import { FILE_MAPPINGS, FileMappings } from './mapping-config';
import { MappingResolver } from './mapping-resolver.service';
import { MappingsRepository } from './mappings.repository';

const ADMIN = 'admin-token-1';

/**
 * The runtime mappings are read from Postgres before an alert's transaction. With Postgres away, that
 * read must not be what fails the alert: a raw connection error counts towards dead-lettering, an
 * outage seen in the transaction is waited out.
 */
describe('mapper: the mapping cache through a Postgres outage, and who chose a runbook (real NATS, Postgres behind a proxy)', () => {
  const id = uniqueTestId('mapper_mapcut');
  let proxy: TcpProxy;
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let call: ReturnType<typeof http>;

  beforeAll(async () => {
    const databaseUrl = new URL(await resolveDatabaseUrl());
    proxy = new TcpProxy(databaseUrl.hostname, Number(databaseUrl.port || 5432));
    await proxy.start();
    databaseUrl.host = `127.0.0.1:${proxy.port}`;
    bus = await useInstallation(id, {
      tokens: `${ADMIN}:admin:ada`,
      config: { 'mappings.yaml': 'alertnames:\n  DiskFull: disk_cleanup\n', 'escalation.yaml': 'escalation: {}\n' },
      env: { DATABASE_URL: databaseUrl.toString() },
    });
    app = await startMapper();
    call = http(app);
  });

  // A test that failed half-way must not leave Postgres cut for the next.
  afterEach(() => proxy.restore());

  afterAll(async () => {
    await proxy.restore();
    await closeInstallation(id, app, bus);
    await proxy.stop();
  });

  async function send(labels: Record<string, string>, annotations: Record<string, string> = {}) {
    const event = await bus.publishAlert({ labels, annotations, startsAt: new Date(), receivedAt: new Date() });
    await processed(app, receiptId(event));
    return event.data.alert.fingerprint;
  }

  const requested = async (runbook: string) =>
    (await register.getSingleMetric('firebreak_runbooks_requested_total')!.get()).values.find((value) => value.labels.runbook === runbook)
      ?.value ?? 0;

  it('serves the last runtime mappings while Postgres is cut, so the alert fails only on the outage, and is handled once Postgres is back', async () => {
    expect((await call('PUT', '/api/v1/mappings/BackupFailed', ADMIN, { runbookId: 'backup_retry' })).statusCode).toBe(200);
    const before = await send({ alertname: 'BackupFailed', job: 'nightly', severity: 'critical' });
    expect((await bus.waitForEvents('runbooks.requested', before, 1))[0].data).toMatchObject({
      runbookId: 'backup_retry',
      selectedBy: 'runtime',
    });

    const resolver = app.get(MappingResolver);
    const warn = jest.spyOn(app.get<Logger>(LOGGER), 'warn');
    await proxy.cut();
    // Every read is a refresh now, and every refresh fails.
    for (let read = 0; read < 3; read++) {
      resolver.invalidate();
      expect(await resolver.resolve({ alertname: 'BackupFailed' }, {})).toEqual({ runbookId: 'backup_retry', source: 'runtime' });
    }
    const staleWarnings = () =>
      warn.mock.calls.filter(([, message]) => String(message).startsWith('runtime mappings could not be refreshed'));
    expect(staleWarnings()).toHaveLength(1);

    // The alert itself: what fails is its transaction, as an outage (waited out, never counted), not the mapping read.
    const during = alertEvent({
      labels: { alertname: 'BackupFailed', job: 'weekly', severity: 'critical' },
      startsAt: new Date(),
      receivedAt: new Date(),
    });
    const event = await bus.publish('alerts.received', during.data, during.id, during.data.alert.fingerprint);
    resolver.invalidate();
    await expect(app.get(AlertIngestService).ingest(event, 'mapper-alerts-received')).rejects.toBeInstanceOf(DependencyUnavailableError);

    // A resolver with nothing loaded yet has nothing to serve: its first read fails, classified as the outage it is.
    const fresh = new MappingResolver(
      app.get(MappingsRepository, { strict: false }),
      app.get<FileMappings>(FILE_MAPPINGS),
      app.get<Logger>(LOGGER),
    );
    await expect(fresh.resolve({ alertname: 'BackupFailed' }, {})).rejects.toBeInstanceOf(DependencyUnavailableError);

    await proxy.restore();
    await processed(app, receiptId(event));
    expect((await bus.waitForEvents('runbooks.requested', event.data.alert.fingerprint, 1))[0].data).toMatchObject({
      runbookId: 'backup_retry',
      selectedBy: 'runtime',
    });
    const deadLettered = (await register.getSingleMetric('firebreak_bus_dead_lettered_total')!.get()).values;
    expect(deadLettered.reduce((sum, value) => sum + value.value, 0)).toBe(0);
    warn.mockRestore();
  });

  it('says on every request how the runbook was chosen, and labels a runbook only a sender named `unknown` in the request metrics', async () => {
    const fromFile = await send({ alertname: 'DiskFull', instance: 'db-1', severity: 'critical' });
    expect((await bus.waitForEvents('runbooks.requested', fromFile, 1))[0].data).toMatchObject({
      runbookId: 'disk_cleanup',
      selectedBy: 'file_alertname',
    });

    const unknownBefore = await requested('unknown');
    const chosen = await send(
      { alertname: 'Anything', instance: 'web-1', severity: 'critical' },
      { automation_runbook: 'postgres_vacuum' },
    );
    expect((await bus.waitForEvents('runbooks.requested', chosen, 1))[0].data).toMatchObject({
      runbookId: 'postgres_vacuum',
      selectedBy: 'annotation',
    });
    // An annotation naming a runbook an operator mapped keeps its name: it is one of a bounded set.
    const mapped = await send({ alertname: 'Other', instance: 'web-2', severity: 'critical' }, { automation_runbook: 'disk_cleanup' });
    expect((await bus.waitForEvents('runbooks.requested', mapped, 1))[0].data).toMatchObject({
      runbookId: 'disk_cleanup',
      selectedBy: 'annotation',
    });
    expect(await requested('unknown')).toBe(unknownBefore + 1);
    expect(await requested('postgres_vacuum')).toBe(0);
    expect(await requested('disk_cleanup')).toBe(2);
    expect(await requested('backup_retry')).toBe(2);
  });
});
