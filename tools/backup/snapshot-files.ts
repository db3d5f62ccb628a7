import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { countsOf, SnapshotContent } from './collect';
import { checkDocumentLimits } from './document-limits';
import { chooseRetention, RetentionPolicy, snapshotName } from './retention';
import { safeFileName } from './safe-names';
import {
  documentFromMarkdown,
  documentToMarkdown,
  fromYaml,
  isObject,
  Manifest,
  mappingFromYaml,
  rowsFromYaml,
  runbookFromYaml,
  runbookToYaml,
  SnapshotFormatError,
  toYaml,
} from './snapshot-format';

export const MANIFEST = 'manifest.yaml';
/** A snapshot being written; never a snapshot name, so restore and retention never take it for one. */
const PARTIAL_PREFIX = '.partial-';
/** A partial snapshot older than this was left by a crash (a backup takes seconds to minutes). */
const STALE_PARTIAL_MS = 24 * 3600_000;

/**
 * Writes a snapshot into `.partial-<name>` inside `baseDir` and renames it to `<name>` once every file and the
 * manifest are written: a crash leaves only a `.partial-` directory (removed by a later backup after a day),
 * never a snapshot that looks complete. Returns the snapshot's path.
 */
export async function writeSnapshot(
  baseDir: string,
  content: SnapshotContent,
  manifest: Omit<Manifest, 'counts' | 'format'>,
  at: Date,
): Promise<string> {
  await mkdir(baseDir, { recursive: true });
  const partial = join(baseDir, `${PARTIAL_PREFIX}${snapshotName(at)}-${process.pid}-${randomUUID().slice(0, 8)}`);
  await rm(partial, { recursive: true, force: true });
  try {
    for (const dir of ['runbooks', 'mappings', 'knowledge', 'learning']) await mkdir(join(partial, dir), { recursive: true });
    for (const runbook of content.runbooks)
      await writeFile(join(partial, 'runbooks', `${safeFileName(runbook.id)}.yaml`), runbookToYaml(runbook));
    for (const mapping of content.mappings)
      await writeFile(join(partial, 'mappings', `${safeFileName(mapping.alertname)}.yaml`), toYaml(mapping));
    for (const doc of content.documents) {
      await mkdir(join(partial, 'knowledge', doc.type), { recursive: true });
      await writeFile(join(partial, 'knowledge', doc.type, `${safeFileName(doc.id)}.md`), documentToMarkdown(doc));
    }
    await writeFile(join(partial, 'learning', 'episodes.yaml'), toYaml(content.learning.episodes));
    await writeFile(join(partial, 'learning', 'runs.yaml'), toYaml(content.learning.runs));
    const full: Manifest = { format: 1, ...manifest, counts: countsOf(content) };
    await writeFile(join(partial, MANIFEST), toYaml(full));
    return await claimName(partial, baseDir, at);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

/** More backups than this in one second is not a schedule; it is a loop gone wrong. */
const MAX_SAME_SECOND = 100;

/**
 * Renames the finished snapshot to the first free `<time>[-N]`. The rename itself is the claim: renaming onto a
 * snapshot directory that exists (it is never empty: it has a manifest) fails, so two backups in the same second,
 * in one process or two, never take one name; the loser tries the next sequence.
 */
async function claimName(partial: string, baseDir: string, at: Date): Promise<string> {
  for (let sequence = 0; sequence < MAX_SAME_SECOND; sequence++) {
    const target = join(baseDir, snapshotName(at, sequence));
    if (existsSync(target)) continue;
    try {
      await rename(partial, target);
      return target;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`${baseDir} already holds ${MAX_SAME_SECOND} snapshots made at ${snapshotName(at)}: not writing another`);
}

/** Reads and checks a whole snapshot; any problem is a SnapshotFormatError naming the file. Nothing is changed. */
export async function readSnapshot(dir: string): Promise<{ manifest: Manifest; content: SnapshotContent }> {
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath)) throw new SnapshotFormatError(manifestPath, 'missing: not a complete snapshot');
  const manifest = fromYaml(await readFile(manifestPath, 'utf8'), manifestPath) as Manifest;
  if (!isObject(manifest) || manifest.format !== 1) throw new SnapshotFormatError(manifestPath, 'unknown format (expected format: 1)');
  const content: SnapshotContent = {
    runbooks: await readEach(join(dir, 'runbooks'), '.yaml', runbookFromYaml),
    mappings: await readEach(join(dir, 'mappings'), '.yaml', mappingFromYaml),
    documents: [],
    learning: {
      episodes: await readRows(join(dir, 'learning', 'episodes.yaml')),
      runs: await readRows(join(dir, 'learning', 'runs.yaml')),
    },
  };
  const knowledge = join(dir, 'knowledge');
  for (const type of existsSync(knowledge) ? (await readdir(knowledge)).sort() : [])
    content.documents.push(
      ...(await readEach(join(knowledge, type), '.md', (text, file) => checkDocumentLimits(documentFromMarkdown(text, file), file))),
    );
  const counts = countsOf(content);
  for (const [kind, n] of Object.entries(counts))
    if (manifest.counts?.[kind as keyof typeof counts] !== n)
      throw new SnapshotFormatError(
        manifestPath,
        `lists ${manifest.counts?.[kind as keyof typeof counts]} ${kind}, the snapshot holds ${n}`,
      );
  duplicates(
    content.runbooks.map((r) => r.id),
    'runbook',
    dir,
  );
  duplicates(
    content.mappings.map((m) => m.alertname),
    'mapping',
    dir,
  );
  duplicates(
    content.documents.map((d) => d.id),
    'document',
    dir,
  );
  return { manifest, content };
}

async function readRows(file: string): Promise<Array<Record<string, unknown>>> {
  return existsSync(file) ? rowsFromYaml(await readFile(file, 'utf8'), file) : [];
}

async function readEach<T>(dir: string, ext: string, parse: (text: string, file: string) => T): Promise<T[]> {
  if (!existsSync(dir)) return [];
  const out: T[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (!name.endsWith(ext)) continue;
    const file = join(dir, name);
    if (!(await stat(file)).isFile()) continue;
    out.push(parse(await readFile(file, 'utf8'), file));
  }
  return out;
}

function duplicates(ids: string[], what: string, dir: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new SnapshotFormatError(dir, `${what} ${JSON.stringify(id)} appears twice`);
    seen.add(id);
  }
}

/** Applies the retention policy to `baseDir`: only snapshot-named directories (and day-old partials) are ever removed. */
export async function pruneSnapshots(baseDir: string, policy: RetentionPolicy, now: Date): Promise<string[]> {
  const entries = await readdir(baseDir, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  // A directory without a manifest is not a snapshot we finished: never counted, never removed by retention.
  const complete = dirs.filter((name) => existsSync(join(baseDir, name, MANIFEST)));
  const { remove } = chooseRetention(complete, policy);
  for (const name of remove) await rm(join(baseDir, name), { recursive: true, force: true });
  for (const name of dirs.filter((n) => n.startsWith(PARTIAL_PREFIX))) {
    // A backup running at the same time may have renamed its partial directory since the listing.
    const info = await stat(join(baseDir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (info && now.getTime() - info.mtimeMs > STALE_PARTIAL_MS) await rm(join(baseDir, name), { recursive: true, force: true });
  }
  return remove;
}
