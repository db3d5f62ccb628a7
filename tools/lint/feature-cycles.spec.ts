import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { cycleEvidence, describeCycle, featureGraph, findCycles, importSpecifiers, SourceFile } from './feature-graph';

const root = resolve(__dirname, '../..');
// Tests depend on whatever they exercise; the architecture is what the running code imports.
const isTest = (name: string) => /\.(spec|integration-spec|e2e-spec)\.ts$/.test(name);

function sourcesOf(src: string): SourceFile[] {
  return readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !isTest(entry.name))
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path: relative(src, path).split(sep).join('/'), imports: importSpecifiers(readFileSync(path, 'utf8')) };
    });
}

const apps = readdirSync(join(root, 'apps'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && readdirSync(join(root, 'apps', entry.name)).includes('src'))
  .map((entry) => entry.name)
  .sort();

describe('feature folders of every app', () => {
  it('finds the apps', () => {
    expect(apps).toEqual(expect.arrayContaining(['ingress', 'mapper', 'notifier', 'runbook-executor']));
  });

  it('import each other without a cycle', () => {
    const cycles = apps.flatMap((app) => {
      const graph = featureGraph(sourcesOf(join(root, 'apps', app, 'src')));
      return findCycles(graph).map((cycle) =>
        [describeCycle(`apps/${app}`, cycle), ...cycleEvidence(graph, cycle).map((line) => `  ${line}`)].join('\n'),
      );
    });
    expect(cycles).toEqual([]);
  });
});
