import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { uniqueTestId } from '@firebreak/testing';
import { BusProbe, closeInstallation, http, runbooksDir, startKnowledge, useInstallation } from '../testing/knowledge-harness';
import { SEARCH_CORPUS as CORPUS, searchApi } from '../testing/search-corpus';

const ID = uniqueTestId('knowledge_documents');

/** Documents through the API: roles, versions and audit, refusals; runbook prose is the catalogue's. */
describe('knowledge documents API (real Postgres and NATS)', () => {
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

  it('wants a token (401) and the right role (403)', async () => {
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
      .get(DataSource)
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
});
