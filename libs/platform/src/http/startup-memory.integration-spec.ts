import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// The built module (`npm run build` first), in a process of its own: the collections it runs are the process's.
const BUILT = join(__dirname, '..', '..', '..', '..', 'dist', 'libs', 'platform', 'src', 'http', 'startup-memory.js');

/**
 * A process that grows V8's young generation as loading a service's modules does, then idles with a little
 * allocation (as a service's pollers do) and prints the young generation's size in MB after 3 s.
 */
function youngGenerationAfterStart(release: boolean): Promise<number> {
  const script = `
const v8 = require('node:v8');
let kept = [];
for (let i = 0; i < 3e6; i++) { kept.push({ i, text: 'x' + i }); if (kept.length > 50000) kept = []; }
${release ? `require(${JSON.stringify(BUILT)}).releaseStartupGarbage([1000, 2000]);` : ''}
const idle = setInterval(() => { kept.push(new Array(100).fill(1)); if (kept.length > 1000) kept = []; }, 10);
setTimeout(() => {
  clearInterval(idle);
  const young = v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  process.stdout.write(String(young.space_size / 1048576));
}, 3000);
`;
  const child = spawn(process.execPath, ['--max-semi-space-size=8', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(Number(output)) : reject(new Error(`exited ${code}: ${output}`)))),
  );
}

describe('releaseStartupGarbage', () => {
  beforeAll(() => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` first`);
  });

  it('lets V8 shrink the young generation that start-up grew, once allocation is low', async () => {
    const [kept, released] = await Promise.all([youngGenerationAfterStart(false), youngGenerationAfterStart(true)]);
    expect(kept).toBeGreaterThanOrEqual(8); // V8 alone keeps the start-up size this early
    expect(released).toBeLessThanOrEqual(2);
  }, 30_000);
});
