import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, resolveDatabaseUrl, waitFor } from '@firebreak/testing';
import { ROOT, Stack } from './stack';

const ADMIN = 'backup-e2e-admin-token';
const VIEWER = 'backup-e2e-viewer-token';
const CLI = join(ROOT, 'dist', 'tools', 'backup', 'main.js');

/**
 * Alertnames the mapper accepts that are no file names. `..` alone cannot be sent (URLs resolve dot segments), and
 * the HTTP server refuses path parameters over 100 characters (414), so the longest here is 91.
 */
const HOSTILE_ALERTNAMES = ['../../escaped', 'a/b\\c', `${'x'.repeat(60)}/${'y'.repeat(30)}`, 'CON', 'Ünïcødé 🔥 alert'];

const runbook = {
  id: 'backup_restart',
  title: 'Restart the API (stored)',
  description: 'Stored by API for the backup test.',
  severity: 'warning',
  tags: ['backup-e2e'],
  steps: [{ id: 'call', uses: 'http', with: { url: 'http://127.0.0.1:9/restart', expectStatus: [200] } }],
};

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The built services (executor, mapper, knowledge) as processes and the built CLI (`dist/tools/backup/main.js`)
 * against them: back up, lose everything, restore, and restore again.
 */
describe('npm run backup / restore against running services', () => {
  let stack: Stack;
  let outDir: string;

  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    new Promise((resolve) => {
      const childEnv: NodeJS.ProcessEnv = {
        ...process.env,
        FIREBREAK_URL_MAPPER: stack.url('mapper'),
        FIREBREAK_URL_RUNBOOK_EXECUTOR: stack.url('runbook-executor'),
        FIREBREAK_URL_KNOWLEDGE: stack.url('knowledge'),
        FIREBREAK_TOKEN: ADMIN,
        ...env,
      };
      execFile(process.execPath, [CLI, ...args], { env: childEnv }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  const api = async (app: 'mapper' | 'runbook-executor' | 'knowledge', method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.url(app)}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    outDir = mkdtempSync(join(tmpdir(), 'firebreak-backup-e2e-'));
    stack = new Stack({
      apps: ['runbook-executor', 'mapper', 'knowledge'],
      env: { FIREBREAK_API_TOKENS: `${ADMIN}:admin:backup-admin,${VIEWER}:viewer:vera`, FIREBREAK_AUTOMATION_ENABLED: 'false' },
    });
    await stack.start();
  });

  afterAll(async () => {
    await stack?.cleanUp();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('backs up, and restores what was lost or changed; a second restore changes nothing', async () => {
    const put = await api('runbook-executor', 'PUT', '/api/v1/runbooks/backup_restart', { ...runbook, prose: '# Restart\n\nSteps.\n' });
    expect(put.status).toBe(200);
    for (const alertname of ['BackupE2E', ...HOSTILE_ALERTNAMES])
      expect(
        (await api('mapper', 'PUT', `/api/v1/mappings/${encodeURIComponent(alertname)}`, { runbookId: 'backup_restart' })).status,
      ).toBe(200);
    const created = await api('knowledge', 'POST', '/api/v1/knowledge/documents', {
      title: 'Disk full on db hosts',
      type: 'static',
      severity: 'warning',
      content: '# Disk full\n\n---\n\nClean /var/log, then check `df -h`.  \n',
      tags: ['disk', 'db'],
      metadata: { owner: 'dba', links: ['https://wiki.example/disk'] },
    });
    expect(created.status).toBe(201);
    const docId: string = created.body.id;

    // What was learnt: an outcome reported by people (a run of backup_restart that fixed DiskFull, and its write-up).
    const learnt = await api('knowledge', 'POST', '/api/v1/knowledge/learn', {
      incident_data: {
        id: 'INC-77',
        type: 'DiskFull',
        diagnosis: ['disk 98%'],
        resolution: ['backup_restart'],
        success: true,
        duration: '5m',
      },
    });
    expect(learnt.status).toBe(200);
    // A report as long as POST /learn allows: a 200-character type (a tag over 64 characters) and 20 diagnoses of
    // 200 characters (a reason of 4,019): the service stores it, so the backup must restore it.
    const longType = `LongReport_${'y'.repeat(189)}`;
    const longReport = await api('knowledge', 'POST', '/api/v1/knowledge/learn', {
      incident_data: {
        id: 'INC-78',
        type: longType,
        diagnosis: Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(200, 'd')),
        resolution: ['backup_restart'],
        success: false,
      },
    });
    expect(longReport.status).toBe(200);
    const patternsBefore = (await api('knowledge', 'GET', '/api/v1/knowledge/patterns')).body;
    expect(JSON.stringify(patternsBefore)).toContain('DiskFull');

    const backup = await cli(['backup', '--out', outDir]);
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    expect(backup.stdout).toMatch(/1 stored runbooks, 6 runtime mappings, 3 documents, \d+ alert episodes, 2 runbook runs/);
    const [snapshot] = readdirSync(outDir);
    expect(snapshot).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z$/);
    const dir = join(outDir, snapshot);
    expect(readdirSync(join(dir, 'runbooks'))).toEqual(['backup_restart.yaml']);
    // Every mapping is one file directly in mappings/, whatever its alertname.
    const mappingFiles = readdirSync(join(dir, 'mappings'));
    expect(mappingFiles).toHaveLength(6);
    for (const name of mappingFiles) expect(name).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._~-]*\.yaml$/);
    expect(readFileSync(join(dir, 'knowledge', 'static', `${docId}.md`), 'utf8')).toContain('Clean /var/log');

    // Lose everything: the runbook and mappings through their APIs, the document changed and then its row gone.
    expect((await api('runbook-executor', 'DELETE', '/api/v1/runbooks/backup_restart')).status).toBe(200);
    for (const alertname of ['BackupE2E', ...HOSTILE_ALERTNAMES])
      expect((await api('mapper', 'DELETE', `/api/v1/mappings/${encodeURIComponent(alertname)}`)).status).toBe(204);
    await api('knowledge', 'PUT', `/api/v1/knowledge/documents/${docId}`, { title: 'Overwritten', content: 'gone', type: 'static' });
    const db = new Client({ connectionString: await resolveDatabaseUrl() });
    await db.connect();
    await db.query(`DELETE FROM "${stack.schemaOf('knowledge')}".documents WHERE id = $1 OR source = 'incident'`, [docId]);
    await db.query(`DELETE FROM "${stack.schemaOf('knowledge')}".runbook_runs`);
    await db.query(`DELETE FROM "${stack.schemaOf('knowledge')}".alert_episodes`);
    await db.end();
    expect(JSON.stringify((await api('knowledge', 'GET', '/api/v1/knowledge/patterns')).body)).not.toContain('DiskFull');

    const dryRun = await cli(['restore', dir, '--dry-run']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/would change 11:/); // runbook, 6 mappings, 3 documents, the runs
    expect((await api('mapper', 'GET', '/api/v1/mappings')).body.runtime).toEqual([]); // the dry run changed nothing

    const restore = await cli(['restore', dir]);
    expect(restore).toMatchObject({ code: 0, stderr: '' });
    expect(restore.stdout).toMatch(/restored 11 changes/);

    const stored = await api('runbook-executor', 'GET', '/api/v1/runbooks/backup_restart');
    expect(stored.body).toMatchObject({ source: 'api', prose: '# Restart\n\nSteps.\n', definition: { title: runbook.title } });
    const mappings = (await api('mapper', 'GET', '/api/v1/mappings')).body.runtime as Array<{ alertname: string; runbookId: string }>;
    expect(mappings.map((m) => m.alertname).sort()).toEqual(['BackupE2E', ...HOSTILE_ALERTNAMES].sort());
    const doc = (await api('knowledge', 'GET', `/api/v1/knowledge/documents/${docId}`)).body;
    expect(doc).toMatchObject({
      title: 'Disk full on db hosts',
      content: '# Disk full\n\n---\n\nClean /var/log, then check `df -h`.  \n',
      tags: ['disk', 'db'],
      metadata: { owner: 'dba', links: ['https://wiki.example/disk'] },
      source: 'api',
    });
    expect((await api('knowledge', 'GET', '/api/v1/knowledge/documents/learned-INC-78')).status).toBe(200);
    // What was learnt is back: the same patterns as before the loss.
    expect((await api('knowledge', 'GET', '/api/v1/knowledge/patterns')).body).toEqual(patternsBefore);
    // The restored runbook was announced on the bus like any API change: knowledge indexed it again.
    await waitFor(async () => (await api('knowledge', 'GET', '/api/v1/knowledge/documents/backup_restart')).body?.title === runbook.title, {
      timeoutMs: 20_000,
      message: 'knowledge to index the restored runbook',
    });

    const again = await cli(['restore', dir]);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toMatch(/nothing to restore/);
    expect((await api('runbook-executor', 'GET', '/api/v1/runbooks/backup_restart/versions')).body.versions).toHaveLength(3); // stored, deleted, restored
  });

  it('two backups at once in one second both finish under their own names; names differing only in case stay apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-backup-twice-'));
    try {
      for (const alertname of ['CaseE2E', 'casee2e'])
        expect((await api('mapper', 'PUT', `/api/v1/mappings/${alertname}`, { runbookId: 'backup_restart' })).status).toBe(200);
      const [first, second] = await Promise.all([cli(['backup', '--out', dir]), cli(['backup', '--out', dir])]);
      expect([first.code, second.code, first.stderr, second.stderr]).toEqual([0, 0, '', '']);
      const written = [first, second].map((r) => /backup written to (\S+):/.exec(r.stdout)?.[1]);
      expect(new Set(written).size).toBe(2);
      // Retention keeps the newest of a day, so the earlier of the two may already be gone again; never both.
      const snapshots = readdirSync(dir).sort();
      expect(snapshots.length).toBeGreaterThanOrEqual(1);
      for (const snapshot of snapshots) {
        expect(written).toContain(join(dir, snapshot));
        const files = readdirSync(join(dir, snapshot, 'mappings'));
        expect(new Set(files.map((f) => f.toLowerCase())).size).toBe(files.length);
        expect(files.filter((f) => f.toLowerCase().startsWith('casee2e'))).toHaveLength(2);
      }
    } finally {
      for (const alertname of ['CaseE2E', 'casee2e']) await api('mapper', 'DELETE', `/api/v1/mappings/${alertname}`);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a snapshot with a document the knowledge service would refuse, naming the file, before changing anything', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'firebreak-bad-snapshot-'));
    try {
      const { writeFileSync, mkdirSync } = await import('node:fs');
      writeFileSync(join(bad, 'manifest.yaml'), 'format: 1\ncounts: { runbooks: 0, mappings: 1, documents: 1, episodes: 0, runs: 0 }\n');
      mkdirSync(join(bad, 'mappings'));
      writeFileSync(join(bad, 'mappings', 'good.yaml'), 'alertname: GoodToo\nrunbookId: backup_restart\n');
      mkdirSync(join(bad, 'knowledge', 'dynamic'), { recursive: true });
      const tag = 'T'.repeat(65);
      writeFileSync(
        join(bad, 'knowledge', 'dynamic', 'incident-x-1.md'),
        `---\nid: incident-x-1\ntitle: t\ntype: dynamic\nseverity: null\ntags: [${tag}]\nmetadata: {}\nsource: incident\n---\nbody\n`,
      );
      const result = await cli(['restore', bad]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*incident-x-1\.md: .*tag/)]);
      const alertnames = (await api('mapper', 'GET', '/api/v1/mappings')).body.runtime.map((m: { alertname: string }) => m.alertname);
      expect(alertnames).not.toContain('GoodToo');
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('refuses a snapshot with a broken file before changing anything', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'firebreak-bad-snapshot-'));
    try {
      const { writeFileSync, mkdirSync } = await import('node:fs');
      writeFileSync(join(bad, 'manifest.yaml'), 'format: 1\ncounts: { runbooks: 0, mappings: 2, documents: 0 }\n');
      mkdirSync(join(bad, 'mappings'));
      writeFileSync(join(bad, 'mappings', 'good.yaml'), 'alertname: Good\nrunbookId: backup_restart\n');
      writeFileSync(join(bad, 'mappings', 'bad.yaml'), 'alertname: [unclosed\n');
      const result = await cli(['restore', bad]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: .*bad\.yaml: /)]);
      expect((await api('mapper', 'GET', '/api/v1/mappings')).body.runtime.map((m: { alertname: string }) => m.alertname)).not.toContain(
        'Good',
      );
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('says in one line which service refused the token or could not be reached', async () => {
    const badToken = await cli(['backup', '--out', outDir], { FIREBREAK_TOKEN: 'not-a-real-token' });
    expect(badToken.code).toBe(1);
    expect(badToken.stderr.trim()).toMatch(
      /^error: \S+ at http:\/\/127\.0\.0\.1:\d+ refused the token \(401\); the token came from FIREBREAK_TOKEN$/,
    );

    const [snapshot] = readdirSync(outDir).filter((n) => !n.startsWith('.'));
    const viewer = await cli(['restore', join(outDir, snapshot)], { FIREBREAK_TOKEN: '', FIREBREAK_API_TOKENS: `${VIEWER}:viewer` });
    // No admin token anywhere: the request goes without one and is refused.
    expect(viewer.code).toBe(1);
    expect(viewer.stderr.trim().split('\n')).toHaveLength(1);

    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await cli(['backup', '--out', outDir], { FIREBREAK_URL_MAPPER: nowhere });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.trim()).toBe(`error: mapper is unreachable at ${nowhere} (ECONNREFUSED)`);
    // Failed backups leave no snapshot behind, complete-looking or not.
    expect(readdirSync(outDir)).toEqual([snapshot]);
  });

  it('with a viewer token a backup works and a restore is refused with 403 before it changes anything', async () => {
    const backup = await cli(['backup', '--out', outDir], { FIREBREAK_TOKEN: VIEWER });
    expect(backup.code).toBe(0);
    const latest = readdirSync(outDir).sort().at(-1)!;
    // Make the restore want to change something, so it has to write.
    expect((await api('mapper', 'DELETE', `/api/v1/mappings/BackupE2E`)).status).toBe(204);
    const restore = await cli(['restore', join(outDir, latest)], { FIREBREAK_TOKEN: VIEWER });
    expect(restore.code).toBe(1);
    // Refused while planning (counting what the learnt rows would add is a write rehearsed, for admins): nothing changed.
    expect(restore.stderr.trim()).toMatch(
      /^error: knowledge at http:\/\/127\.0\.0\.1:\d+ needs a token with more rights for POST \/api\/v1\/knowledge\/backup\/learning \(403\)$/,
    );
    expect((await api('mapper', 'GET', '/api/v1/mappings')).body.runtime.map((m: { alertname: string }) => m.alertname)).not.toContain(
      'BackupE2E',
    );
  });
});
