import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import {
  announceRunbooks,
  BusProbe,
  closeInstallation,
  http,
  runbooksDir,
  startKnowledge,
  useInstallation,
} from '../testing/knowledge-harness';
import { SEARCH_CORPUS as CORPUS, searchApi } from '../testing/search-corpus';

const ID = uniqueTestId('knowledge_catalog');

/** Runbook prose and recommendations kept current from runbooks.catalog.changed. */
describe('knowledge catalogue changes (real Postgres and NATS)', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let call: ReturnType<typeof http>;
  let search: ReturnType<typeof searchApi>;

  beforeAll(async () => {
    bus = await useInstallation(ID, { runbooksDir: runbooksDir(CORPUS) });
    app = await startKnowledge();
    call = http(app);
    search = searchApi(call);
  });

  afterAll(async () => {
    await closeInstallation(ID, app, bus);
  });

  it('keeps runbook prose current from runbooks.catalog.changed: newer wins, stale is ignored, deleted goes', async () => {
    const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s)).toISOString();
    const change = (extra: Record<string, unknown>) => ({
      runbookId: 'kafka_lag',
      action: 'upserted' as const,
      source: 'api' as const,
      version: 1,
      title: 'Kafka consumer lag',
      description: 'Scale consumers when partitions fall behind',
      tags: ['kafka'],
      prose: 'Consumers fall behind the partition head.',
      at: at(1),
      ...extra,
    });
    await bus.publish('runbooks.catalog.changed', change({}), 'cat-1');
    await waitFor(async () => (await search('q=kafka%20lag')).results[0]?.id === 'kafka_lag', { message: 'kafka_lag indexed' });

    await bus.publish('runbooks.catalog.changed', change({ version: 2, title: 'Kafka consumer lag v2', at: at(3) }), 'cat-2');
    // An older version announced by a replica whose clock runs ahead: the version alone decides, it must not win.
    await bus.publish('runbooks.catalog.changed', change({ version: 1, title: 'Kafka stale', at: at(9) }), 'cat-3');
    await bus.drained('runbooks.catalog.changed');
    const doc = (await call('GET', '/api/v1/knowledge/documents/kafka_lag', 'viewer-token')).json<{ title: string; version: number }>();
    expect(doc.title).toBe('Kafka consumer lag v2');
    expect(doc.version).toBe(2);

    await bus.publish('runbooks.catalog.changed', change({ action: 'deleted', version: 3, at: at(4) }), 'cat-4');
    await waitFor(async () => (await call('GET', '/api/v1/knowledge/documents/kafka_lag', 'viewer-token')).statusCode === 404, {
      message: 'kafka_lag removed',
    });
    expect((await search('q=kafka')).results.map((r) => r.id)).not.toContain('kafka_lag');
  });

  it('recommends a runbook only once the executor announced it, and no longer once deleted', async () => {
    const recommended = async () =>
      (await call('GET', '/api/v1/knowledge/recommendations?alertname=PostgresVacuumNeeded&label=job=db', 'viewer-token'))
        .json<{ recommendations: Array<{ runbook_id: string }> }>()
        .recommendations.map((r) => r.runbook_id);
    // The file is read (its prose is searchable) but the executor never announced it: it may not run there.
    expect((await search('q=vacuum')).results[0]?.id).toBe('postgres_vacuum');
    expect(await recommended()).not.toContain('postgres_vacuum');

    await announceRunbooks(bus, [CORPUS[0]]);
    expect(await recommended()).toContain('postgres_vacuum');

    await bus.publish(
      'runbooks.catalog.changed',
      { runbookId: 'postgres_vacuum', action: 'deleted', source: 'file', version: 2, tags: [], at: new Date().toISOString() },
      'vacuum-deleted',
    );
    await bus.drained('runbooks.catalog.changed');
    expect(await recommended()).not.toContain('postgres_vacuum');

    // Brought back (the executor's next version): recommended again, and its prose searchable again.
    await bus.publish(
      'runbooks.catalog.changed',
      {
        runbookId: 'postgres_vacuum',
        title: CORPUS[0].title,
        description: CORPUS[0].description,
        tags: CORPUS[0].tags,
        prose: CORPUS[0].prose,
        action: 'upserted',
        source: 'file',
        version: 3,
        at: new Date().toISOString(),
      },
      'vacuum-back',
    );
    await bus.drained('runbooks.catalog.changed');
    expect(await recommended()).toContain('postgres_vacuum');
    expect((await search('q=dead%20tuples')).results[0]?.id).toBe('postgres_vacuum');
  });
});
