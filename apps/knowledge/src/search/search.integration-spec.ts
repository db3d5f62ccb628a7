import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { resolveDatabaseUrl } from '@firebreak/testing';
import {
  announceRunbooks,
  BusProbe,
  closeInstallation,
  http,
  runbooksDir,
  startKnowledge,
  useInstallation,
} from '../testing/knowledge-harness';
import { SearchRepository } from './search.repository';
import { SearchService } from './search.service';

const ID = uniqueTestId('knowledge_search');

const CORPUS = [
  {
    id: 'postgres_vacuum',
    title: 'Postgres vacuum',
    description: 'Reclaim dead tuples and table bloat with VACUUM ANALYZE',
    tags: ['database', 'postgres', 'maintenance'],
    prose: '# Postgres vacuum\n\n## Symptoms\n\nQueries slow down as dead tuples pile up; autovacuum lags behind.\n',
  },
  {
    id: 'high_error_rate',
    title: 'High error rate',
    description: 'Error analysis and circuit breaker application',
    tags: ['errors', 'circuit-breaker'],
    prose: '# High error rate\n\nMore than 5% of requests fail with 5xx. Open the circuit breaker in front of the failing dependency.\n',
  },
  {
    id: 'service_unavailable',
    title: 'Service unavailable',
    description: 'Health checks and restart procedure',
    tags: ['availability', 'restart'],
    prose: '# Service unavailable\n\nThe health check fails. Restart the service and watch it come back; the database is not involved.\n',
  },
  {
    id: 'dlq_recovery',
    title: 'Dead-letter queue recovery',
    description: 'Replay dead-lettered messages once their cause is gone',
    tags: ['bus', 'nats'],
    prose: '# Dead-letter queue recovery\n\nA consumer gave up on messages. Find the cause, fix it, replay.\n',
  },
];

describe('knowledge search and documents (real Postgres and NATS)', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let call: ReturnType<typeof http>;

  beforeAll(async () => {
    bus = await useInstallation(ID, { runbooksDir: runbooksDir(CORPUS) });
    app = await startKnowledge();
    call = http(app);
  });

  afterAll(async () => {
    await closeInstallation(ID, app, bus);
  });

  const search = async (query: string) => {
    const res = await call('GET', `/api/v1/knowledge/search?${query}`, 'viewer-token');
    expect(res.statusCode).toBe(200);
    return res.json<{
      results: Array<{ id: string; relevance_score: number; summary: string; last_updated: string; type: string }>;
      total: number;
      search_time: string;
    }>();
  };

  it.each([
    ['postgres vacuum', 'postgres_vacuum'],
    ['dead tuples', 'postgres_vacuum'],
    ['circuit breaker', 'high_error_rate'],
    ['restart', 'service_unavailable'],
    ['replay messages', 'dlq_recovery'],
  ])('puts the right runbook first for %j', async (q, expected) => {
    const body = await search(`q=${encodeURIComponent(q)}`);
    expect(body.results[0]?.id).toBe(expected);
  });

  it.each([
    ['postgress vacum', 'postgres_vacuum'],
    ['circuit breakr', 'high_error_rate'],
    ['servce unavailble', 'service_unavailable'],
    ['dead-leter queue', 'dlq_recovery'],
  ])('tolerates the typo %j', async (q, expected) => {
    const body = await search(`q=${encodeURIComponent(q)}`);
    expect(body.results[0]?.id).toBe(expected);
  });

  it("answers in seed 001's shape with scores between 0 and 1, best first", async () => {
    const body = await search('q=database&limit=2');
    expect(body.total).toBeGreaterThanOrEqual(2);
    expect(body.results).toHaveLength(2);
    expect(body.search_time).toMatch(/^\d+\.\d{3}s$/);
    const [first, second] = body.results;
    expect(first).toMatchObject({
      id: 'postgres_vacuum',
      type: 'static',
      summary: 'Reclaim dead tuples and table bloat with VACUUM ANALYZE',
    });
    expect(Date.parse(first.last_updated)).not.toBeNaN();
    for (const hit of body.results) {
      expect(hit.relevance_score).toBeGreaterThan(0);
      expect(hit.relevance_score).toBeLessThanOrEqual(1);
    }
    expect(first.relevance_score).toBeGreaterThanOrEqual(second.relevance_score);
  });

  it('filters by type and tags', async () => {
    expect((await search('q=postgres&type=template')).results.map((r) => r.type)).not.toContain('static');
    expect((await search('q=restart&tags=database')).results).toEqual([]);
    expect((await search('q=vacuum&tags=postgres,maintenance')).results[0].id).toBe('postgres_vacuum');
    expect((await search('q=postmortem&type=template')).results[0].id).toBe('template-postmortem');
  });

  it.each([
    '"',
    '"unterminated',
    '&|!:*',
    "'; DROP TABLE documents; --",
    '((( ))) <-> !!',
    'vacuum -postgres or',
    '\\',
    '%00',
    '*',
    'a'.repeat(500),
  ])('answers the hostile query %# with results, never an error', async (q) => {
    const res = await call('GET', `/api/v1/knowledge/search?q=${encodeURIComponent(q)}`, 'viewer-token');
    expect(res.statusCode).toBe(200);
    expect(Array.isArray(res.json<{ results: unknown[] }>().results)).toBe(true);
  });

  it.each([
    ['ten thousand characters', 'q=' + 'a'.repeat(10_000)],
    ['a NUL', 'q=' + encodeURIComponent('vac\u0000uum')],
    ['an empty query', 'q='],
    ['no query', ''],
    ['limit 0', 'q=x&limit=0'],
    ['limit not a number', 'q=x&limit=abc'],
    ['an unknown type', 'q=x&type=secret'],
    ['an unknown parameter', 'q=x&bogus=1'],
    ['q twice', 'q=x&q=y'],
  ])('refuses %s with a 400', async (_label, query) => {
    const res = await call('GET', `/api/v1/knowledge/search?${query}`, 'viewer-token');
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('validation_failed');
  });

  it('counts searches in firebreak_knowledge_searches_total by result', async () => {
    const metrics = (await call('GET', '/metrics')).body;
    expect(metrics).toMatch(/firebreak_knowledge_searches_total\{result="hits"\} [1-9]/);
    expect(metrics).toMatch(/firebreak_knowledge_searches_total\{result="rejected"\} [1-9]/);
  });

  it('wants a token (401) and the right role (403)', async () => {
    expect((await call('GET', '/api/v1/knowledge/search?q=x')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/knowledge/search?q=x', 'wrong-token')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/knowledge/documents')).statusCode).toBe(401);
    const doc = { title: 'Disk full', content: 'Delete old logs.' };
    expect((await call('POST', '/api/v1/knowledge/documents', 'viewer-token', doc)).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/knowledge/documents', 'operator-token', doc)).statusCode).toBe(403);
    expect((await call('PUT', '/api/v1/knowledge/documents/postgres_vacuum', 'operator-token', doc)).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/knowledge/learn', 'viewer-token', {})).statusCode).toBe(403);
  });

  it('creates, versions and audits documents through the API, and finds them', async () => {
    const created = await call('POST', '/api/v1/knowledge/documents', 'admin-token', {
      title: 'Disk space low on build agents',
      type: 'dynamic',
      severity: 'high',
      content: '# Disk space low\n\nPrune docker images with `docker system prune`.\n',
      tags: ['disk', 'ci'],
      metadata: { incident_id: 'INC-12345', confidence: 0.85 },
    });
    expect(created.statusCode).toBe(201);
    const doc = created.json<{ id: string; version: number; content: string }>();
    expect(doc.version).toBe(1);
    expect((await search('q=docker%20prune')).results[0].id).toBe(doc.id);

    const update = {
      title: 'Disk space low on build agents',
      type: 'dynamic',
      content: 'Prune images and build caches.',
      tags: ['disk'],
      version: 1,
    };
    const updated = await call('PUT', `/api/v1/knowledge/documents/${doc.id}`, 'admin-token', update);
    expect(updated.statusCode).toBe(200);
    expect(updated.json<{ version: number }>().version).toBe(2);
    // The same base version again: someone else already changed it.
    expect((await call('PUT', `/api/v1/knowledge/documents/${doc.id}`, 'admin-token', update)).statusCode).toBe(409);

    const read = (await call('GET', `/api/v1/knowledge/documents/${doc.id}`, 'viewer-token')).json<{
      content: string;
      previous_versions: Array<{ version: number; replaced_by: string }>;
    }>();
    expect(read.content).toBe('Prune images and build caches.');
    expect(read.previous_versions).toEqual([expect.objectContaining({ version: 1, replaced_by: 'alice' })]);
    const audit: Array<{ action: string; target: string }> = await app
      .get((await import('typeorm')).DataSource)
      .query(`SELECT action, target FROM "${ID}".audit_log ORDER BY id`);
    expect(audit).toEqual(
      expect.arrayContaining([
        { action: 'knowledge.document.create', target: doc.id },
        { action: 'knowledge.document.update', target: doc.id },
      ]),
    );
  });

  it.each([
    [{ content: 'no title' }, 'no title'],
    [{ title: 'x', content: '' }, 'empty content'],
    [{ title: 'x', content: 'y', type: 'secret' }, 'an unknown type'],
    [{ title: 'x', content: 'y\u0000z' }, 'a NUL in the content'],
    [{ title: 'x', content: 'y', tags: 'not-a-list' }, 'tags not a list'],
    [{ title: 'x', content: 'y', metadata: { blob: 'z'.repeat(20_000) } }, 'metadata too large'],
    [{ title: 'x', content: 'y', extra: true }, 'an unknown field'],
    ['{"title": "x", ', 'broken JSON'],
  ])('refuses a document with %s (%s) with a 4xx and writes nothing', async (body: unknown, _why: string) => {
    const before = (await call('GET', '/api/v1/knowledge/documents?source=api', 'viewer-token')).json<{ total: number }>().total;
    const res = await call('POST', '/api/v1/knowledge/documents', 'admin-token', body);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect((await call('GET', '/api/v1/knowledge/documents?source=api', 'viewer-token')).json<{ total: number }>().total).toBe(before);
  });

  it('leaves runbook prose to the catalogue (409 on PUT) and 404s unknown ids', async () => {
    const res = await call('PUT', '/api/v1/knowledge/documents/postgres_vacuum', 'admin-token', { title: 'x', content: 'y' });
    expect(res.statusCode).toBe(409);
    expect((await call('PUT', '/api/v1/knowledge/documents/nope', 'admin-token', { title: 'x', content: 'y' })).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/knowledge/documents/nope', 'viewer-token')).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/knowledge/documents/..%2F..', 'viewer-token')).statusCode).toBe(400);
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

  it("searches an alert's text in one statement, without the typo threshold (it reads no typos), finding what the transaction did", async () => {
    const statements: string[] = [];
    const original = Client.prototype.query;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      statements.push(String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    try {
      const hits = await app.get(SearchService).related('HighErrorRate job api circuit breaker', { sources: ['runbook'], limit: 20 });
      expect(hits[0]?.id).toBe('high_error_rate');
    } finally {
      spy.mockRestore();
    }
    const mine = statements.filter((sql) => sql.includes('websearch_to_tsquery') || sql.includes('word_similarity_threshold'));
    expect(mine).toHaveLength(1);
    expect(mine[0]).not.toContain('word_similarity_threshold');
  });

  describe('with a few thousand documents', () => {
    beforeAll(async () => {
      // Incident write-ups of many alerts, as months of learning leave them; inserted directly for speed.
      const db = await new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() }).initialize();
      await db.query(
        `INSERT INTO "${ID}".documents (id, title, type, severity, tags, tags_text, metadata, body, source, created_at, updated_at)
         SELECT 'filler-' || i, 'Incident: Alert' || (i % 50) || ' on ' || md5(i::text), 'dynamic', 'warning', ARRAY['incident'],
                'incident', jsonb_build_object('alertname', 'Alert' || (i % 50)),
                'Latency and errors on ' || md5(i::text) || ' ' || md5((i * 7)::text) || ' database queue', 'incident', now(), now()
         FROM generate_series(1, 4000) i`,
      );
      // As autovacuum would: merges GIN's pending list (fresh bulk inserts make index scans look costly) and
      // gathers statistics.
      await db.query(`VACUUM ANALYZE "${ID}".documents`);
      await db.destroy();
    });

    /** Every scan node of a JSON plan: what kind, on which table, through which index. */
    const scans = (plan: string) => {
      const out: Array<{ type: string; relation?: string; index?: string }> = [];
      const walk = (node: Record<string, unknown>) => {
        out.push({ type: String(node['Node Type']), relation: node['Relation Name'] as string, index: node['Index Name'] as string });
        for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
      };
      for (const root of JSON.parse(plan) as Array<{ Plan: Record<string, unknown> }>) walk(root.Plan);
      return out;
    };

    it('finds candidates through the indexes, never by scanning every document', async () => {
      const repo = app.get(SearchRepository);
      for (const [q, mode, index] of [
        ['circuit breaker', 'all', 'documents_search'],
        ['circuit breakr', 'all', 'documents_title_tags_trgm'],
        ['HighErrorRate job api production', 'any', 'documents_search'],
      ] as const) {
        const nodes = scans(await repo.plan(q, { limit: 10, incidentsOf: 'HighErrorRate' }, mode));
        expect(nodes.filter((n) => n.type === 'Seq Scan' && n.relation === 'documents')).toEqual([]);
        expect(nodes.map((n) => n.index)).toContain(index);
      }
    });

    it('still ranks the right runbook first, for words and for typos', async () => {
      expect((await search('q=circuit%20breaker')).results[0]?.id).toBe('high_error_rate');
      expect((await search('q=dead%20tuples')).results[0]?.id).toBe('postgres_vacuum');
      expect((await search(`q=${encodeURIComponent('postgress vacum')}`)).results[0]?.id).toBe('postgres_vacuum');
      expect((await search(`q=${encodeURIComponent('servce unavailble')}`)).results[0]?.id).toBe('service_unavailable');
    });
  });
});
