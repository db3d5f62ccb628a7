import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { dashboardFiles } from './grafana';
import { kubernetesFiles } from './kubernetes';

export const KUBERNETES_DIR = 'deploy/kubernetes';
export const DASHBOARDS_DIR = 'deploy/grafana/dashboards';

/**
 * Every generated file, path relative to the repository → content, formatted as `prettier --check .`
 * (npm run lint) wants it, so the generated files need no exception there.
 */
export async function generatedFiles(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [name, text] of kubernetesFiles(root)) files.set(`${KUBERNETES_DIR}/${name}`, text);
  for (const [name, text] of dashboardFiles()) files.set(`${DASHBOARDS_DIR}/${name}`, text);
  for (const [path, text] of files) {
    const filepath = join(root, path);
    files.set(path, await format(text, { ...(await resolveConfig(filepath)), filepath }));
  }
  return files;
}

/** Writes the files under `outRoot`, removing generated files that no longer exist (a renamed service). */
export async function writeGenerated(root: string, outRoot: string): Promise<string[]> {
  const files = await generatedFiles(root);
  for (const dir of [KUBERNETES_DIR, DASHBOARDS_DIR]) removeStale(join(outRoot, dir), dir, files);
  for (const [path, text] of files) {
    mkdirSync(dirname(join(outRoot, path)), { recursive: true });
    writeFileSync(join(outRoot, path), text);
  }
  return [...files.keys()];
}

function removeStale(absolute: string, relative: string, keep: Map<string, string>): void {
  let entries: string[];
  try {
    entries = readdirSync(absolute, { recursive: true, encoding: 'utf8' });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (/\.(ya?ml|json)$/.test(entry) && !keep.has(`${relative}/${entry}`)) rmSync(join(absolute, entry));
  }
}

/** The repository root, from the source tree (jest) or from dist/ alike. */
export function findRoot(start = __dirname): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'nx.json'))) return dir;
  throw new Error(`no nx.json above ${start}`);
}

if (require.main === module) {
  const root = findRoot();
  writeGenerated(root, root).then(
    (paths) => paths.forEach((path) => console.log(`wrote ${path}`)),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
