import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { uniqueTestId } from '@firebreak/testing';
import { WriteupRetentionService } from '../learning/writeup-retention.service';
import { BusProbe, closeInstallation, http, runbooksDir, startKnowledge, useInstallation } from '../testing/knowledge-harness';

const ID = uniqueTestId('knowledge_backup');

const body = (overrides: Record<string, unknown> = {}) => ({
  title: 'Incident: DiskFull at 2025-01-01T00:00:00.000Z',
  type: 'dynamic',
  severity: 'warning',
  content: '# DiskFull\n\nCleaned /var/log.\n',
  tags: ['incident', 'DiskFull'],
  metadata: { fingerprint: 'abc', runbooks: [{ runbook_id: 'clean_logs', fixed: true }] },
  source: 'incident',
  ...overrides,
});

/** The backup's export and restore of documents, and the pruning of old write-ups (real Postgres and NATS). */
describe('knowledge documents: backup export, restore, write-up retention', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let call: ReturnType<typeof http>;
  let db: DataSource;

  beforeAll(async () => {
    bus = await useInstallation(ID, {
      runbooksDir: runbooksDir([{ id: 'clean_logs', title: 'Clean logs', prose: '# Clean logs\n' }]),
      env: { FIREBREAK_WRITEUP_RETENTION: '30d' },
    });
    app = await startKnowledge();
    call = http(app);
    db = app.get(DataSource);
  });

  afterAll(() => closeInstallation(ID, app, bus));

  const versions = async (id: string) =>
    (await db.query(`SELECT count(*)::int AS n FROM "${ID}".document_versions WHERE id = $1`, [id]))[0].n as number;

  it('restores a document under its own id; the same content again changes nothing; new content keeps the old as a version', async () => {
    const first = await call('PUT', '/api/v1/knowledge/backup/documents/incident-abc-1', 'admin-token', body());
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ id: 'incident-abc-1', version: 1, changed: true });
    expect((await call('PUT', '/api/v1/knowledge/backup/documents/incident-abc-1', 'admin-token', body())).json()).toEqual({
      id: 'incident-abc-1',
      version: 1,
      changed: false,
    });
    expect(await versions('incident-abc-1')).toBe(0);
    const changed = await call('PUT', '/api/v1/knowledge/backup/documents/incident-abc-1', 'admin-token', body({ content: 'rewritten' }));
    expect(changed.json()).toEqual({ id: 'incident-abc-1', version: 2, changed: true });
    expect(await versions('incident-abc-1')).toBe(1);
    const read = (await call('GET', '/api/v1/knowledge/documents/incident-abc-1', 'viewer-token')).json();
    expect(read).toMatchObject({ content: 'rewritten', source: 'incident', type: 'dynamic', metadata: body().metadata });
    const audit = await db.query(`SELECT action, actor FROM "${ID}".audit_log WHERE target = 'incident-abc-1' ORDER BY id`);
    expect(audit).toEqual([
      { action: 'knowledge.document.restore', actor: 'alice' },
      { action: 'knowledge.document.restore', actor: 'alice' },
    ]);
  });

  it('refuses what is not a backed-up document: 400 for bad bodies, 409 over a runbook’s or template’s document, 403 below admin', async () => {
    const put = (id: string, payload: unknown, token = 'admin-token') =>
      call('PUT', `/api/v1/knowledge/backup/documents/${id}`, token, payload);
    expect((await put('x-1', body({ source: 'runbook' }))).statusCode).toBe(400);
    expect((await put('x-1', body({ content: 'nul\u0000' }))).statusCode).toBe(400);
    expect((await put('x-1', body({ extra: 1 }))).statusCode).toBe(400);
    expect((await put(encodeURIComponent('../etc'), body())).statusCode).toBe(400);
    expect((await put('clean_logs', body({ source: 'api' }))).statusCode).toBe(409);
    expect((await put('template-incident', body({ source: 'api' }))).statusCode).toBe(409);
    expect((await put('x-1', body(), 'operator-token')).statusCode).toBe(403);
    expect((await call('GET', '/api/v1/knowledge/documents/x-1', 'viewer-token')).statusCode).toBe(404);
    const prose = (await call('GET', '/api/v1/knowledge/documents/clean_logs', 'viewer-token')).json();
    expect(prose).toMatchObject({ source: 'runbook', title: 'Clean logs' });
  });

  it('exports documents written by people and from incidents in id order, page by page; never runbook prose or templates', async () => {
    for (const id of ['b-doc', 'a-doc', 'c-doc'])
      await call('PUT', `/api/v1/knowledge/backup/documents/${id}`, 'admin-token', body({ source: 'api', type: 'static', title: id }));
    const ids: string[] = [];
    let after = '';
    for (let pages = 0; pages < 10; pages++) {
      const page = (await call('GET', `/api/v1/knowledge/backup/documents?limit=2&after=${after}`, 'viewer-token')).json<{
        documents: Array<{ id: string; source: string }>;
        next: string | null;
      }>();
      ids.push(...page.documents.map((d) => d.id));
      if (!page.next) break;
      after = page.next;
    }
    expect(ids).toEqual(['a-doc', 'b-doc', 'c-doc', 'incident-abc-1']);
    expect((await call('GET', '/api/v1/knowledge/backup/documents?limit=0', 'viewer-token')).statusCode).toBe(400);
    expect((await call('GET', '/api/v1/knowledge/backup/documents')).statusCode).toBe(401);
  });

  it('prunes incident write-ups older than FIREBREAK_WRITEUP_RETENTION with their versions, and nothing else', async () => {
    await call('PUT', '/api/v1/knowledge/backup/documents/incident-old-1', 'admin-token', body());
    await call('PUT', '/api/v1/knowledge/backup/documents/incident-old-1', 'admin-token', body({ content: 'v2' }));
    await call('PUT', '/api/v1/knowledge/backup/documents/incident-new-1', 'admin-token', body());
    await call('PUT', '/api/v1/knowledge/backup/documents/people-old-1', 'admin-token', body({ source: 'api' })); // dynamic, but by people
    // A write-up a person edited through the documents API keeps its source but is theirs now: never pruned.
    await call('PUT', '/api/v1/knowledge/backup/documents/incident-edited-1', 'admin-token', body());
    const { source: _source, ...edit } = body({ content: '# DiskFull\n\nWhat really happened: …\n' });
    expect((await call('PUT', '/api/v1/knowledge/documents/incident-edited-1', 'admin-token', edit)).statusCode).toBe(200);
    // incident-old-1's second version was the learning rewriting it (a restore by an admin counts as a person).
    await db.query(`UPDATE "${ID}".document_versions SET replaced_by = 'system:learning' WHERE id = 'incident-old-1'`);
    await db.query(
      `UPDATE "${ID}".documents SET updated_at = now() - interval '31 days'
        WHERE id IN ('incident-old-1', 'incident-edited-1', 'people-old-1', 'clean_logs', 'template-incident')`,
    );
    expect(await versions('incident-old-1')).toBe(1);

    expect(await app.get(WriteupRetentionService).prune()).toBe(1);
    const left = (await db.query(`SELECT id FROM "${ID}".documents WHERE id = ANY($1::text[]) ORDER BY id`, [
      ['incident-old-1', 'incident-new-1', 'incident-edited-1', 'people-old-1', 'clean_logs', 'template-incident'],
    ])) as Array<{ id: string }>;
    expect(left.map((r) => r.id)).toEqual(['clean_logs', 'incident-edited-1', 'incident-new-1', 'people-old-1', 'template-incident']);
    expect(await versions('incident-old-1')).toBe(0);
    expect(await app.get(WriteupRetentionService).prune()).toBe(0); // nothing left to prune
  });
});
