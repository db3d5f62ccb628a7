import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkSloConfig } from './check-config';

describe('the slo-reporter config check (what `firebreak check-config` runs for SLOs)', () => {
  it('passes the shipped config/', () => {
    expect(checkSloConfig(resolve('config'))).toEqual([{ file: resolve('config/slos.yaml'), ok: true, problems: [], notes: [] }]);
  });

  it('names the SLO whose objective is bad', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slo-check-'));
    const shipped = readFileSync('config/slos.yaml', 'utf8');
    writeFileSync(join(dir, 'slos.yaml'), shipped.replace('target: 0.99', 'target: 1.5'));
    const [slos] = checkSloConfig(dir);
    expect(slos.ok).toBe(false);
    expect(slos.problems).toEqual([expect.stringMatching(/^document 1 \(.+\): spec\.objectives\.0\.target: must be below 1/)]);
  });
});
