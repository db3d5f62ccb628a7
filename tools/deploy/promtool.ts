import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRecordingRules, DashboardQuery } from './dashboard-queries';

export interface PromtoolResult {
  ok: boolean;
  /** promtool's output, with each failing rule's dashboard and panel named. */
  output: string;
}

/** Parses every expression with `promtool check rules` (the PromQL parser of the Prometheus it ships with). */
export function checkWithPromtool(queries: DashboardQuery[], promtool = 'promtool'): PromtoolResult {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-dashboards-'));
  try {
    const file = join(dir, 'dashboards.rules.yml');
    writeFileSync(file, asRecordingRules(queries));
    const run = spawnSync(promtool, ['check', 'rules', '--lint=none', file], { encoding: 'utf8' });
    if (run.error) throw new Error(`could not run ${promtool}: ${run.error.message}`);
    const output = `${run.stdout}${run.stderr}`.replace(/dashboard:query_(\d+)/g, (whole, index: string) => {
      const query = queries[Number(index)];
      return query ? `${query.dashboard} ${query.where}` : whole;
    });
    return { ok: run.status === 0, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
