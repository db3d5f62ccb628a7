import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { uniqueTestId } from '@firebreak/testing';
import { BusProbe, closeInstallation, http, runbooksDir, startKnowledge, useInstallation } from '../testing/knowledge-harness';
import { addFillerWriteups, scans, SEARCH_CORPUS, searchApi } from '../testing/search-corpus';
import { SearchRepository } from './search.repository';

const ID = uniqueTestId('knowledge_search');

/** People's searches (GET /api/v1/knowledge/search): ranking, typos, filters, hostile queries. */
describe('knowledge search (real Postgres and NATS)', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let call: ReturnType<typeof http>;
  let search: ReturnType<typeof searchApi>;

  beforeAll(async () => {
    bus = await useInstallation(ID, { runbooksDir: runbooksDir(SEARCH_CORPUS) });
    app = await startKnowledge();
    call = http(app);
    search = searchApi(call);
  });

  afterAll(async () => {
    await closeInstallation(ID, app, bus);
  });

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

  it('wants a token (401)', async () => {
    expect((await call('GET', '/api/v1/knowledge/search?q=x')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/knowledge/search?q=x', 'wrong-token')).statusCode).toBe(401);
  });

  describe('with a few thousand documents', () => {
    beforeAll(async () => {
      await addFillerWriteups(ID, 4000);
    });

    it("finds a person's query's candidates through the indexes, never by scanning every document", async () => {
      const repo = app.get(SearchRepository);
      for (const [q, index] of [
        ['circuit breaker', 'documents_search'],
        ['circuit breakr', 'documents_title_tags_trgm'],
      ] as const) {
        const nodes = scans(await repo.plan(q, { limit: 10, incidentsOf: 'HighErrorRate' }, 'all'));
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
