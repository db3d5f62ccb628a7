import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { stringify } from 'yaml';
import { streamName } from '@firebreak/contracts';
import { BusConnection } from '@firebreak/bus';
import { AuditLog, createService, table } from '@firebreak/platform';
import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { ExecutorHarness, TOKENS } from '../testing/executor-harness';
import { StoredRunbooksRepository } from './stored-runbooks.repository';

/**
 * Runbooks stored by API over two replicas of the executor (two app instances on one schema and one bus prefix):
 * a PUT runs on the next execution of either replica without a restart, overrides and restores a shipped file, and
 * every change is announced once as runbooks.catalog.changed.
 */
const target = new FakeHttpTarget();
let h: ExecutorHarness;
let second: NestFastifyApplication;
/** The catalogue events the stream held once the first replica had started, before the second one did. */
let afterFirstStart = 0;

const url = (path: string) => `${target.url}${path}`;
const checkup = (path: string, extra: Record<string, unknown> = {}) => ({
  id: 'checkup',
  title: 'Check up on the service',
  description: 'Calls the service to see how it is.',
  severity: 'warning',
  tags: ['health'],
  steps: [{ id: 'call', uses: 'http', with: { url: url(path), expectStatus: [200] } }],
  ...extra,
});

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness(
    {
      'checkup.yaml': checkup('/file'),
      'checkup.md': '# Check up\n\n## Symptoms\nslow\n',
      'other.yaml': { ...checkup('/other'), id: 'other', title: 'Another one' },
    },
    { env: { FIREBREAK_RUNBOOK_REFRESH_MS: '200' } },
  ).start(process.env);
  await waitFor(async () => (afterFirstStart = await storedEventCount()) === 2);
  // The second replica: same environment (schema, prefix, runbooks directory), its own process state.
  second = await createService(AppModule, { app: 'runbook-executor', description: 'second replica' });
  await second.init();
  await second.getHttpAdapter().getInstance().ready();
});

afterAll(async () => {
  await second?.close();
  await h?.stop();
  await target.stop();
});

beforeEach(() => target.reset());

type Method = 'GET' | 'PUT' | 'DELETE' | 'POST';
const call = (
  app: NestFastifyApplication,
  method: Method,
  path: string,
  options: { token?: keyof typeof TOKENS | null; payload?: unknown; contentType?: string } = {},
) => {
  const token = options.token === null ? undefined : TOKENS[options.token ?? 'admin'];
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (options.contentType) headers['content-type'] = options.contentType;
  return app
    .getHttpAdapter()
    .getInstance()
    .inject({ method, url: path, payload: options.payload as never, headers });
};

/** Starts a manual live run on `app` and waits for it to end; returns the execution. */
async function runOn(app: NestFastifyApplication, runbookId: string) {
  const started = await call(app, 'POST', `/api/v1/runbooks/${runbookId}/execute`, { token: 'operator', payload: {} });
  expect(started.statusCode).toBe(202);
  const { executionId } = started.json();
  let detail: Record<string, unknown> = {};
  await waitFor(
    async () =>
      ['succeeded', 'failed'].includes((detail = (await call(app, 'GET', `/api/v1/executions/${executionId}`)).json()).status as string),
    { message: () => `execution ${executionId}: ${JSON.stringify(detail)}` },
  );
  return detail as { id: string; status: string; runbookSource: string; runbookVersion: number };
}

const storedRows = () => h.app.get(DataSource).query(`SELECT id, version FROM ${table(h.id, 'stored_runbooks')} ORDER BY id, version`);
const catalogEvents = (runbookId: string) => h.eventsOf('runbooks.catalog.changed', (d) => d.runbookId === runbookId);

/** How many catalogue events the stream kept (JetStream drops a repeated id within its window). */
async function storedEventCount(): Promise<number> {
  const subject = `${h.id}.runbooks.catalog.changed`;
  const info = await h.app.get(BusConnection).jsm.streams.info(streamName('FIREBREAK_RUNBOOKS', h.id), { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

describe('the catalogue announced at start-up', () => {
  it("each file's runbook once (source file, version 0), however many replicas start", async () => {
    expect(afterFirstStart).toBe(2);
    // The second replica announced the same two (seen on the subject: the test subscribed after the first had started)...
    await waitFor(() => h.events.filter((e) => e.subject === 'runbooks.catalog.changed').length === 2);
    const events = h.events.filter((e) => e.subject === 'runbooks.catalog.changed');
    expect(new Set(events.map((e) => e.event.data.runbookId))).toEqual(new Set(['checkup', 'other']));
    // ...under the ids the first used, so the stream still holds one of each.
    expect(catalogEvents('checkup')[0]).toMatchObject({
      action: 'upserted',
      source: 'file',
      version: 0,
      title: 'Check up on the service',
      description: 'Calls the service to see how it is.',
      severity: 'warning',
      tags: ['health'],
      prose: '# Check up\n\n## Symptoms\nslow\n',
    });
    expect(await storedEventCount()).toBe(2);
  });
});

describe('PUT /api/v1/runbooks/:id', () => {
  it('overrides a shipped runbook: the next execution on either replica runs the new version, without a restart', async () => {
    const before = await runOn(h.app, 'checkup');
    expect(before).toMatchObject({ status: 'succeeded', runbookSource: 'file', runbookVersion: 0 });
    expect(target.requests.map((r) => r.path)).toEqual(['/file']);
    const eventsBefore = await storedEventCount();

    const put = await call(h.app, 'PUT', '/api/v1/runbooks/checkup', {
      payload: { ...checkup('/stored-v1'), prose: '# Check up, stored\n' },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ id: 'checkup', version: 1, source: 'api', overridesFile: expect.stringMatching(/checkup\.yaml$/) });

    // The replica that stored it: at once.
    target.reset();
    expect(await runOn(h.app, 'checkup')).toMatchObject({ status: 'succeeded', runbookSource: 'api', runbookVersion: 1 });
    expect(target.requests.map((r) => r.path)).toEqual(['/stored-v1']);

    // The other replica: on its next refresh (FIREBREAK_RUNBOOK_REFRESH_MS), no restart.
    await waitFor(async () => (await call(second, 'GET', '/api/v1/runbooks/checkup')).json().version === 1);
    target.reset();
    expect(await runOn(second, 'checkup')).toMatchObject({ status: 'succeeded', runbookSource: 'api', runbookVersion: 1 });
    expect(target.requests.map((r) => r.path)).toEqual(['/stored-v1']);

    // The definition each execution ran is kept with it.
    const [row] = await h.app
      .get(DataSource)
      .query(`SELECT definition FROM ${table(h.id, 'executions')} WHERE runbook_version = 1 ORDER BY created_at LIMIT 1`);
    expect(row.definition.steps[0].with.url).toBe(url('/stored-v1'));

    const audit = (await h.app.get(AuditLog).recent(20)).filter(
      (entry) => entry.target === 'checkup' && entry.action === 'runbook.override',
    );
    expect(audit).toEqual([
      expect.objectContaining({ actor: 'ada', details: { version: 1, overridesFile: expect.stringMatching(/checkup\.yaml$/) } }),
    ]);

    // One event for the change, announced once.
    await waitFor(async () => (await storedEventCount()) === eventsBefore + 1);
    expect(catalogEvents('checkup').filter((d) => d.source === 'api')).toEqual([
      expect.objectContaining({ action: 'upserted', source: 'api', version: 1, changedBy: 'ada', prose: '# Check up, stored\n' }),
    ]);
  });

  it('takes YAML, and a second PUT is version 2 (latest wins); the versions are listed newest first', async () => {
    const yaml = stringify({ ...checkup('/stored-v2'), prose: 'v2 prose' });
    const put = await call(h.app, 'PUT', '/api/v1/runbooks/checkup', { payload: yaml, contentType: 'application/yaml' });
    expect(put.statusCode).toBe(200);
    expect(put.json().version).toBe(2);
    await waitFor(async () => (await call(second, 'GET', '/api/v1/runbooks/checkup')).json().version === 2);
    target.reset();
    expect(await runOn(second, 'checkup')).toMatchObject({ runbookVersion: 2 });
    expect(target.requests.map((r) => r.path)).toEqual(['/stored-v2']);

    const versions = await call(h.app, 'GET', '/api/v1/runbooks/checkup/versions', { token: 'viewer' });
    expect(versions.statusCode).toBe(200);
    expect(versions.json()).toMatchObject({
      id: 'checkup',
      inForce: { source: 'api', version: 2 },
      file: expect.stringMatching(/checkup\.yaml$/),
      versions: [
        { version: 2, action: 'stored', createdBy: 'ada', prose: 'v2 prose' },
        { version: 1, action: 'stored', createdBy: 'ada' },
      ],
    });
  });

  it('stores a new runbook that no file has', async () => {
    const put = await call(h.app, 'PUT', '/api/v1/runbooks/brand_new', { payload: { ...checkup('/new'), id: 'brand_new' } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ version: 1, overridesFile: null });
    expect(await runOn(h.app, 'brand_new')).toMatchObject({ status: 'succeeded', runbookSource: 'api', runbookVersion: 1 });
    const audit = await h.app.get(AuditLog).recent(20);
    expect(audit.find((entry) => entry.target === 'brand_new')).toMatchObject({ action: 'runbook.store', details: { version: 1 } });
  });
});

describe('the version a change announces (the order consumers keep)', () => {
  it('concurrent PUTs on both replicas: one version each, growing in commit order with the time, the highest in force', async () => {
    const puts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(i % 2 ? second : h.app, 'PUT', '/api/v1/runbooks/raced', {
          payload: { ...checkup(`/raced-${i}`), id: 'raced', title: `Raced ${i}` },
        }),
      ),
    );
    expect(puts.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    expect(puts.map((r) => r.json().version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    await waitFor(() => catalogEvents('raced').length === 8);
    const events = catalogEvents('raced').sort((a, b) => (a.version as number) - (b.version as number));
    expect(events.map((d) => d.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The time is read under the lock that orders the versions: a later version never carries an earlier time.
    const times = events.map((d) => Date.parse(d.at as string));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Each event describes the version it names, as stored (the PUT that got version n wrote title n's body).
    const rows: Array<{ version: number; title: string; created_at: Date }> = await h.app
      .get(DataSource)
      .query(
        `SELECT version, definition->>'title' AS title, created_at FROM ${table(h.id, 'stored_runbooks')} WHERE id = 'raced' ORDER BY version`,
      );
    expect(events.map((d) => [d.title, d.at])).toEqual(rows.map((row) => [row.title, new Date(row.created_at).toISOString()]));
    // A consumer keeping the highest version holds what both replicas run.
    const newest = events.at(-1)!;
    for (const app of [h.app, second]) await waitFor(async () => (await call(app, 'GET', '/api/v1/runbooks/raced')).json().version === 8);
    expect((await call(second, 'GET', '/api/v1/runbooks/raced')).json()).toMatchObject({
      source: 'api',
      definition: { title: newest.title },
    });
    expect((await call(h.app, 'GET', '/api/v1/runbooks/raced')).json()).toMatchObject({
      source: 'api',
      definition: { title: newest.title },
    });
  });
});

describe('DELETE /api/v1/runbooks/:id', () => {
  it('removes the stored version: the shipped file is in force again on both replicas, announced once', async () => {
    const eventsBefore = await storedEventCount();
    const deleted = await call(h.app, 'DELETE', '/api/v1/runbooks/checkup');
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toMatchObject({ id: 'checkup', version: 3, inForce: { source: 'file', version: 0 } });
    target.reset();
    expect(await runOn(h.app, 'checkup')).toMatchObject({ runbookSource: 'file', runbookVersion: 0 });
    await waitFor(async () => (await call(second, 'GET', '/api/v1/runbooks/checkup')).json().source === 'file');
    expect(await runOn(second, 'checkup')).toMatchObject({ runbookSource: 'file', runbookVersion: 0 });
    expect(target.requests.map((r) => r.path)).toEqual(['/file', '/file']);

    await waitFor(async () => (await storedEventCount()) === eventsBefore + 1);
    // The event says what the catalogue now holds for the id: the file, with its prose, under the tombstone's version
    // (above the PUT's 2: a consumer keeping the highest version takes it).
    expect(catalogEvents('checkup').at(-1)).toMatchObject({
      action: 'upserted',
      source: 'file',
      version: 3,
      changedBy: 'ada',
      prose: '# Check up\n\n## Symptoms\nslow\n',
    });
    const versions = (await call(h.app, 'GET', '/api/v1/runbooks/checkup/versions', { token: 'viewer' })).json();
    expect(versions.inForce).toEqual({ source: 'file', version: 0 });
    expect(versions.versions[0]).toMatchObject({ version: 3, action: 'deleted', definition: null });
    expect((await h.app.get(AuditLog).recent(20)).find((entry) => entry.action === 'runbook.delete')).toMatchObject({
      target: 'checkup',
      details: { version: 3, deletedVersion: 2, restoresFile: expect.stringMatching(/checkup\.yaml$/) },
    });
  });

  it("a replica starting afterwards announces the file with the id's current version, not 0", async () => {
    const third = await createService(AppModule, { app: 'runbook-executor', description: 'third replica' });
    try {
      await third.init();
      await waitFor(() => catalogEvents('checkup').some((d) => d.source === 'file' && d.changedBy === undefined && d.version === 3));
      // The DELETE's announcement and the third replica's start-up one: the same state, the same version.
      expect(
        catalogEvents('checkup')
          .filter((d) => d.source === 'file' && d.version !== 0)
          .map((d) => [d.version, d.changedBy ?? null, d.title]),
      ).toEqual([
        [3, 'ada', 'Check up on the service'],
        [3, null, 'Check up on the service'],
      ]);
    } finally {
      await third.close();
    }
  });

  it('of a runbook no file has: gone from the catalogue, announced as deleted; a second DELETE is 404', async () => {
    expect((await call(h.app, 'DELETE', '/api/v1/runbooks/brand_new')).statusCode).toBe(200);
    expect((await call(h.app, 'GET', '/api/v1/runbooks/brand_new', { token: 'viewer' })).statusCode).toBe(404);
    await waitFor(() => catalogEvents('brand_new').some((d) => d.action === 'deleted'));
    expect(catalogEvents('brand_new').at(-1)).toMatchObject({ action: 'deleted', source: 'api', version: 2 });
    const again = await call(h.app, 'DELETE', '/api/v1/runbooks/brand_new');
    expect(again.statusCode).toBe(404);
    expect((await call(h.app, 'DELETE', '/api/v1/runbooks/other')).statusCode).toBe(404); // a file, nothing stored
  });
});

describe('what PUT refuses', () => {
  const rejected = async (id: string, payload: unknown, contentType?: string) => {
    const rowsBefore = await storedRows();
    const eventsBefore = h.events.length;
    const response = await call(h.app, 'PUT', `/api/v1/runbooks/${id}`, { payload, contentType });
    expect(response.statusCode).toBe(400);
    expect(await storedRows()).toEqual(rowsBefore);
    expect(h.events.slice(eventsBefore).filter((e) => e.subject === 'runbooks.catalog.changed')).toEqual([]);
    return response.json().error;
  };

  it('a definition that fails the schema: 400 naming the field, nothing stored', async () => {
    const error = await rejected('checkup', { ...checkup('/x'), severity: 'apocalyptic' });
    expect(error.code).toBe('validation_failed');
    expect(error.message).toMatch(/^severity: /);
  });

  it('a template that would bypass escaping, or an unknown sql connection: 400 naming the step field', async () => {
    const unescaped = await rejected('checkup', {
      ...checkup('/x'),
      steps: [{ id: 'call', uses: 'http', with: { url: `${target.url}/{{{ alert.labels.path }}}` } }],
    });
    expect(unescaped.message).toMatch(/^steps\.0\.with\.url: only \{\{ name \}\} tags are allowed here/);
    const error = await rejected('checkup', {
      ...checkup('/x'),
      steps: [{ id: 'q', uses: 'sql', with: { connection: 'nowhere', statement: 'SELECT 1' } }],
    });
    expect(error.message).toBe('steps.0.with.connection: "nowhere" is not defined in connections.yaml');
  });

  it("the runbook's own id differs from the path, or the path id is malformed", async () => {
    expect((await rejected('checkup', checkup('/x', { id: 'other' }))).message).toBe('id: "other" must match the id in the path "checkup"');
    expect((await rejected('Bad-Id', checkup('/x'))).message).toMatch(/lowercase letters, digits and _/);
  });

  it('YAML that does not parse, a body that is not an object, a prose that is not text', async () => {
    expect((await rejected('checkup', 'id: [unclosed', 'application/yaml')).message).toMatch(/^yaml: /);
    expect((await rejected('checkup', '- a list', 'application/yaml')).message).toMatch(/must be a runbook definition/);
    expect((await rejected('checkup', { ...checkup('/x'), prose: 42 })).message).toBe('prose: must be a string (Markdown)');
  });

  it('401 without a token, 403 below admin (viewer may read versions)', async () => {
    const rowsBefore = await storedRows();
    expect((await call(h.app, 'PUT', '/api/v1/runbooks/checkup', { token: null, payload: checkup('/x') })).statusCode).toBe(401);
    expect((await call(h.app, 'PUT', '/api/v1/runbooks/checkup', { token: 'operator', payload: checkup('/x') })).statusCode).toBe(403);
    expect((await call(h.app, 'DELETE', '/api/v1/runbooks/other', { token: 'operator' })).statusCode).toBe(403);
    expect((await call(h.app, 'GET', '/api/v1/runbooks/checkup/versions', { token: null })).statusCode).toBe(401);
    expect(await storedRows()).toEqual(rowsBefore);
  });
});

describe('the safety rules hold for stored runbooks', () => {
  it('an alert annotation cannot choose a stored runbook that does not opt in (selectable)', async () => {
    expect(
      (await call(h.app, 'PUT', '/api/v1/runbooks/stored_guarded', { payload: { ...checkup('/guarded'), id: 'stored_guarded' } }))
        .statusCode,
    ).toBe(200);
    const requestId = await h.request({ runbookId: 'stored_guarded', selectedBy: 'annotation' });
    const row = await h.waitForStatus(requestId, ['skipped']);
    expect(row.status_reason).toMatch(/does not opt in/);
    expect(target.requests).toEqual([]);
  });

  it('an http step to a host outside FIREBREAK_RUNBOOK_HTTP_ALLOW is refused', async () => {
    const outside = {
      ...checkup('/x'),
      id: 'stored_outside',
      steps: [{ id: 'call', uses: 'http', with: { url: 'http://example.invalid/x' } }],
    };
    expect((await call(h.app, 'PUT', '/api/v1/runbooks/stored_outside', { payload: outside })).statusCode).toBe(200);
    const execution = await runOn(h.app, 'stored_outside');
    expect(execution.status).toBe('failed');
    expect((execution as unknown as { statusReason: string }).statusReason).toMatch(/refused \(http-allow\)/);
  });
});

describe("each replica's refresh", () => {
  it('reads no definition while nothing changed, and reads them once something did', async () => {
    const repo = second.get(StoredRunbooksRepository);
    const signature = jest.spyOn(repo, 'signature');
    const latest = jest.spyOn(repo, 'latest');
    try {
      // Past the tick that reads what the tests before stored (their last PUT), and from there on count.
      await waitFor(async () => (await call(second, 'GET', '/api/v1/runbooks/stored_outside')).statusCode === 200);
      await waitFor(() => signature.mock.calls.length >= 2);
      signature.mockClear();
      latest.mockClear();
      // Several ticks of FIREBREAK_RUNBOOK_REFRESH_MS (200 ms): only the cheap check each time.
      await waitFor(() => signature.mock.calls.length >= 4);
      expect(latest).not.toHaveBeenCalled();

      expect((await call(h.app, 'PUT', '/api/v1/runbooks/other', { payload: { ...checkup('/other-v1'), id: 'other' } })).statusCode).toBe(
        200,
      );
      await waitFor(async () => (await call(second, 'GET', '/api/v1/runbooks/other')).json().version === 1);
      expect(latest).toHaveBeenCalledTimes(1);
      const after = signature.mock.calls.length;
      await waitFor(() => signature.mock.calls.length >= after + 3);
      expect(latest).toHaveBeenCalledTimes(1);
    } finally {
      signature.mockRestore();
      latest.mockRestore();
    }
  });
});
