import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildConfig, ConfigError } from '@firebreak/platform';
import { loadDetectors } from './definitions/detector-config';
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

// PROMETHEUS_URL is the deployment's: the check stands one in and says which detectors need it.
const PROMETHEUS_STAND_IN = 'http://prometheus.invalid:9090';

/**
 * `node dist/apps/detector-scheduler/src/check-config.js DIR`: detectors.yaml (and the connections.yaml entries it
 * names) checked offline with the loader the scheduler runs at start; `{ ok, files }` as JSON, exit 0 or 1.
 */
export function checkDetectorConfig(dir: string): FileCheck[] {
  const config = buildConfig(SERVICE, { FIREBREAK_CONFIG_DIR: dir });
  return check([resolve(dir, 'detectors.yaml'), resolve(dir, 'connections.yaml')], () => {
    const catalog = loadDetectors({ configDir: dir, databaseUrl: config.DATABASE_URL, prometheusUrl: PROMETHEUS_STAND_IN });
    return catalog.detectors
      .filter((detector) => detector.enabled && detector.type === 'prometheus' && !detector.url)
      .map(
        (detector) => `${resolve(dir, 'detectors.yaml')}: detector ${detector.id} queries PROMETHEUS_URL, which must be set where it runs`,
      );
  });
}

if (require.main === module) report(checkDetectorConfig(resolve(process.argv[2] ?? '.')));
