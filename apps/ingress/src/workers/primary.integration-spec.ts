import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The built primary (`npm run build` first), run by a small script whose workers fail at once.
const PRIMARY = join(__dirname, '..', '..', '..', '..', 'dist', 'apps', 'ingress', 'src', 'workers', 'primary.js');

describe('the ingress primary', () => {
  let dir: string;

  beforeAll(() => {
    if (!existsSync(PRIMARY)) throw new Error(`${PRIMARY} is missing: run \`npm run build\` first`);
    dir = mkdtempSync(join(tmpdir(), 'ingress-primary-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1 when its workers keep dying right after they start', async () => {
    const worker = join(dir, 'failing-worker.js');
    const primary = join(dir, 'primary.js');
    writeFileSync(worker, 'process.exit(1);\n');
    writeFileSync(
      primary,
      `const cluster = require('node:cluster');
cluster.setupPrimary({ exec: ${JSON.stringify(worker)} });
const quiet = () => undefined;
const logger = { info: quiet, error: quiet, fatal: (fields, message) => process.stdout.write(message + '\\n') };
require(${JSON.stringify(PRIMARY)}).runPrimary(2, logger);
`,
    );
    const child = spawn(process.execPath, [primary], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    expect(output).toContain('ingress workers keep dying right after they start');
    expect(code).toBe(1);
  }, 60_000);
});
