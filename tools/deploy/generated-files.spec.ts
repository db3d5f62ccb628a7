import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DASHBOARDS_DIR, findRoot, KUBERNETES_DIR, writeGenerated } from './generate';

function readTree(base: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of [KUBERNETES_DIR, DASHBOARDS_DIR]) {
    for (const entry of readdirSync(join(base, dir), { recursive: true, encoding: 'utf8' })) {
      if (/\.(ya?ml|json)$/.test(entry)) files.set(`${dir}/${entry}`, readFileSync(join(base, dir, entry), 'utf8'));
    }
  }
  return files;
}

describe('deploy/kubernetes and deploy/grafana/dashboards', () => {
  it('are what `npm run deploy:generate` writes (edit the generator in tools/deploy, then run it)', async () => {
    const root = findRoot();
    const out = mkdtempSync(join(tmpdir(), 'firebreak-deploy-'));
    try {
      await writeGenerated(root, out);
      const fresh = readTree(out);
      const committed = readTree(root);
      const stale = [...fresh].filter(([path, text]) => committed.get(path) !== text).map(([path]) => path);
      const extra = [...committed.keys()].filter((path) => !fresh.has(path));
      expect(fresh.size).toBeGreaterThan(10);
      expect({ stale, extra }).toEqual({ stale: [], extra: [] });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
