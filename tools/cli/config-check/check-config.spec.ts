import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeChecks, reportLines, runbooksDirFor } from './check-config';

describe('check-config: merging the services answers and printing them', () => {
  it('reports a file read by two services once, failing if either failed', () => {
    const merged = mergeChecks([
      { service: 'runbook-executor', files: [{ file: '/c/connections.yaml', ok: true, problems: [], notes: [] }] },
      {
        service: 'detector-scheduler',
        files: [
          { file: '/c/connections.yaml', ok: false, problems: ['connections.0.readOnly: must be true'], notes: [] },
          { file: '/c/detectors.yaml', ok: true, problems: [], notes: ['n'] },
        ],
      },
    ]);
    expect(merged).toEqual([
      {
        file: '/c/connections.yaml',
        ok: false,
        problems: ['connections.0.readOnly: must be true'],
        notes: [],
        checkedBy: ['runbook-executor', 'detector-scheduler'],
      },
      { file: '/c/detectors.yaml', ok: true, problems: [], notes: ['n'], checkedBy: ['detector-scheduler'] },
    ]);
  });

  it('prints file: OK, or a line per problem, and notes after', () => {
    expect(
      reportLines({
        ok: false,
        files: [
          { file: 'config/channels.yaml', ok: true, problems: [], notes: ['channel x will be disabled'], checkedBy: ['notifier'] },
          { file: 'config/slos.yaml', ok: false, problems: ['a', 'b'], notes: [], checkedBy: ['slo-reporter'] },
        ],
      }),
    ).toEqual([
      'config/channels.yaml: OK',
      'config/channels.yaml: note: channel x will be disabled',
      'config/slos.yaml: a',
      'config/slos.yaml: b',
    ]);
  });

  it('finds the runbooks: the flag, else DIR/runbooks, else beside DIR, else ./runbooks', () => {
    const root = mkdtempSync(join(tmpdir(), 'cli-check-'));
    const config = join(root, 'config');
    mkdirSync(config);
    expect(runbooksDirFor(config, '/work', 'rb')).toBe('/work/rb');
    expect(runbooksDirFor(config, '/work')).toBe('/work/runbooks');
    mkdirSync(join(root, 'runbooks'));
    expect(runbooksDirFor(config, '/work')).toBe(join(root, 'runbooks'));
    mkdirSync(join(config, 'runbooks'));
    expect(runbooksDirFor(config, '/work')).toBe(join(config, 'runbooks'));
  });
});
