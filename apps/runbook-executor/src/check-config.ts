import { resolve } from 'node:path';
import { buildConfig, checkConfigFiles, type FileCheck, reportConfigCheck } from '@firebreak/platform';
import { loadSettings } from './common/settings';
import { loadRunbooks } from './runbooks/runbook-loader';
import { SERVICE } from './service';

/**
 * `node dist/apps/runbook-executor/src/check-config.js DIR [RUNBOOKS_DIR]`: automation.yaml, connections.yaml,
 * services.yaml and every runbook checked offline with the loaders the executor runs at start (runbooks against
 * the connections of DIR); `{ ok, files }` as JSON on stdout, exit 0 or 1.
 */
export function checkExecutorConfig(dir: string, runbooksDir: string): FileCheck[] {
  const config = buildConfig(SERVICE, { FIREBREAK_CONFIG_DIR: dir, FIREBREAK_RUNBOOKS_DIR: runbooksDir });
  let connections: ReadonlySet<string> | undefined;
  const settings = checkConfigFiles(
    ['automation.yaml', 'connections.yaml', 'services.yaml'].map((file) => resolve(dir, file)),
    () => {
      connections = new Set(loadSettings(config).connections.keys());
    },
  );
  const catalogue = loadRunbooks(runbooksDir, connections);
  // Without the settings, `sql` steps cannot be checked against connections.yaml: say so rather than pass them.
  const notes = connections ? [] : ['the connections of sql steps were not checked: the settings files did not load'];
  const runbooks = [
    ...[...catalogue.runbooks.values()].map((loaded) => ({ file: loaded.file ?? '', ok: true, problems: [], notes })),
    ...catalogue.errors.map((error) => ({ file: error.file, ok: false, problems: error.problems, notes: [] })),
  ].sort((a, b) => a.file.localeCompare(b.file));
  return [...settings, ...runbooks];
}

if (require.main === module)
  reportConfigCheck(checkExecutorConfig(resolve(process.argv[2] ?? '.'), resolve(process.argv[3] ?? './runbooks')));
