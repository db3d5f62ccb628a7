import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildConfig, ConfigError } from '@firebreak/platform';
import { loadSettings } from './common/settings';
import { loadRunbooks } from './runbooks/runbook-loader';
import { SERVICE } from './service';

// --- the same in every service's check-config.ts (apps may not share code outside libs/) ---
export interface FileCheck {
  file: string;
  ok: boolean;
  problems: string[];
  notes: string[];
}

const UNSET = /: references \$\{[A-Z_][A-Z0-9_]*\}, which is not set$/;

/**
 * Runs one loader the service runs at start over `files` (absolute paths); each ConfigError problem goes to the
 * file it names. An unset `${VAR}` is the deployment's business, not the file's: a note, not a problem.
 */
export function check(files: string[], load: () => string[] | void): FileCheck[] {
  let problems: string[] = [];
  let notes: string[] = [];
  try {
    notes = load() ?? [];
  } catch (error) {
    problems = error instanceof ConfigError ? error.problems : [`${files[0]}: cannot check (${(error as Error).message})`];
  }
  const owner = (text: string) => files.find((file) => text.startsWith(`${file}: `)) ?? files[0];
  return files
    .filter((file) => existsSync(file) || problems.some((text) => owner(text) === file))
    .map((file) => {
      const own = (texts: string[]) =>
        texts.filter((text) => owner(text) === file).map((text) => (text.startsWith(`${file}: `) ? text.slice(file.length + 2) : text));
      const fileProblems = own(problems.filter((text) => !UNSET.test(text)));
      const fileNotes = [...own(notes), ...own(problems.filter((text) => UNSET.test(text)))];
      return { file, ok: fileProblems.length === 0, problems: fileProblems, notes: fileNotes };
    });
}

function report(files: FileCheck[]): void {
  const ok = files.every((file) => file.ok);
  process.stdout.write(`${JSON.stringify({ ok, files })}\n`);
  process.exitCode = ok ? 0 : 1;
}
// ---

/**
 * `node dist/apps/runbook-executor/src/check-config.js DIR [RUNBOOKS_DIR]`: automation.yaml, connections.yaml,
 * services.yaml and every runbook checked offline with the loaders the executor runs at start (runbooks against
 * the connections of DIR); `{ ok, files }` as JSON on stdout, exit 0 or 1.
 */
export function checkExecutorConfig(dir: string, runbooksDir: string): FileCheck[] {
  const config = buildConfig(SERVICE, { FIREBREAK_CONFIG_DIR: dir, FIREBREAK_RUNBOOKS_DIR: runbooksDir });
  let connections: ReadonlySet<string> | undefined;
  const settings = check(
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

if (require.main === module) report(checkExecutorConfig(resolve(process.argv[2] ?? '.'), resolve(process.argv[3] ?? './runbooks')));
