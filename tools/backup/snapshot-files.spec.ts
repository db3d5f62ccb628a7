import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnapshotContent } from './collect';
import { publicUrl, publicUrls } from './settings';
import { readSnapshot, writeSnapshot } from './snapshot-files';

const empty: SnapshotContent = { runbooks: [], mappings: [], documents: [], learning: { episodes: [], runs: [] } };
const services = { mapper: 'http://m', 'runbook-executor': 'http://r', knowledge: 'http://k' };

describe('writeSnapshot', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'backup-files-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives backups started in the same second their own names, all complete', async () => {
    const at = new Date('2026-12-06T20:00:00.400Z');
    const paths = await Promise.all([0, 1, 2].map(() => writeSnapshot(dir, empty, { createdAt: at.toISOString(), services }, at)));
    expect(paths.map((p) => p.slice(dir.length + 1)).sort()).toEqual([
      '2026-12-06T20-00-00Z',
      '2026-12-06T20-00-00Z-1',
      '2026-12-06T20-00-00Z-2',
    ]);
    expect((await readdir(dir)).sort()).toEqual(paths.map((p) => p.slice(dir.length + 1)).sort());
    for (const path of paths) await expect(readSnapshot(path)).resolves.toMatchObject({ content: empty });
  });
});

describe('readSnapshot', () => {
  it('refuses a snapshot holding a document the knowledge service would refuse, naming its file, before any change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'backup-files-'));
    try {
      const at = new Date('2026-12-06T20:00:00Z');
      const doc = (id: string, tags: string[]) => ({
        id,
        title: 't',
        type: 'dynamic' as const,
        severity: null,
        tags,
        metadata: {},
        source: 'incident' as const,
        content: 'body',
      });
      const content = { ...empty, documents: [doc('incident-a-1', ['incident', 'A'.repeat(65)]), doc('incident-b-2', ['incident'])] };
      const path = await writeSnapshot(dir, content, { createdAt: at.toISOString(), services }, at);
      await expect(readSnapshot(path)).rejects.toThrow(/knowledge\/dynamic\/incident-a-1\.md.*tag .* 1 to 64 characters/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('publicUrl', () => {
  it('drops credentials, query string and fragment', () => {
    expect(publicUrl('https://admin:s3cret@knowledge.internal:8443/base/?token=abc#x')).toBe('https://knowledge.internal:8443/base');
    expect(publicUrl('http://127.0.0.1:8081')).toBe('http://127.0.0.1:8081');
    expect(publicUrl('not a url')).toBe('(not a URL)');
  });

  it('is what a manifest records', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'backup-files-'));
    try {
      const at = new Date('2026-12-06T20:00:00Z');
      const urls = { ...services, knowledge: 'http://u:p4ss@k:1/?key=zz' };
      const path = await writeSnapshot(dir, empty, { createdAt: at.toISOString(), services: publicUrls(urls) }, at);
      const manifest = await readFile(join(path, 'manifest.yaml'), 'utf8');
      expect(manifest).toContain('http://k:1');
      expect(manifest).not.toMatch(/p4ss|key=zz/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
