import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { CliError, EXIT } from '../errors';

/** The services whose config files are checked, each by its own built `check-config.js`. */
export const CHECKED_SERVICES = ['mapper', 'runbook-executor', 'detector-scheduler', 'notifier', 'slo-reporter'] as const;

const TIMEOUT_MS = 120_000;

export interface FileCheck {
  file: string;
  ok: boolean;
  problems: string[];
  notes: string[];
  /** The services whose loaders read it (connections.yaml is read by two). */
  checkedBy: string[];
}

export interface ConfigCheck {
  ok: boolean;
  files: FileCheck[];
}

export interface CheckOptions {
  runbooksDir?: string;
  /** Where the built apps are; by default found from this file's place in dist/. */
  appsRoot?: string;
  cwd?: string;
}

/** `--runbooks`, else DIR/runbooks, else DIR/../runbooks (the repository's layout), else ./runbooks. */
export function runbooksDirFor(dir: string, cwd: string, explicit?: string): string {
  if (explicit) return resolve(cwd, explicit);
  const candidates = [resolve(dir, 'runbooks'), resolve(dir, '..', 'runbooks')];
  return candidates.find((candidate) => isDirectory(candidate)) ?? resolve(cwd, 'runbooks');
}

/**
 * Checks a config directory offline: every service's own loaders run in a child process of their own (their
 * `dist/apps/<svc>/src/check-config.js`), in parallel, and their answers are merged file by file.
 */
export async function checkConfig(dirArg: string, options: CheckOptions = {}): Promise<ConfigCheck> {
  const cwd = options.cwd ?? process.cwd();
  const dir = resolve(cwd, dirArg);
  if (!isDirectory(dir)) throw new CliError(`no such directory: ${dirArg}`, EXIT.usage);
  const runbooks = runbooksDirFor(dir, cwd, options.runbooksDir);
  const appsRoot = options.appsRoot ?? resolve(__dirname, '..', '..', '..', 'apps');
  const answers = await Promise.all(
    CHECKED_SERVICES.map((service) =>
      runCheck(service, resolve(appsRoot, service, 'src', 'check-config.js'), service === 'runbook-executor' ? [dir, runbooks] : [dir]),
    ),
  );
  const files = mergeChecks(answers).map((check) => ({ ...check, file: relative(cwd, check.file) || check.file }));
  return { ok: files.every((file) => file.ok), files };
}

/** One file once, whichever services read it: its problems and notes together, ok only if every reader passed it. */
export function mergeChecks(answers: Array<{ service: string; files: Array<Omit<FileCheck, 'checkedBy'>> }>): FileCheck[] {
  const byFile = new Map<string, FileCheck>();
  for (const { service, files } of answers)
    for (const check of files) {
      const seen = byFile.get(check.file);
      if (!seen) byFile.set(check.file, { ...check, problems: [...check.problems], notes: [...check.notes], checkedBy: [service] });
      else {
        seen.ok &&= check.ok;
        seen.problems.push(...check.problems.filter((problem) => !seen.problems.includes(problem)));
        seen.notes.push(...check.notes.filter((note) => !seen.notes.includes(note)));
        seen.checkedBy.push(service);
      }
    }
  return [...byFile.values()];
}

/** `file: OK`, or one `file: problem` line per problem; notes as `file: note: …`. */
export function reportLines(result: ConfigCheck): string[] {
  return result.files.flatMap((check) => [
    ...(check.ok ? [`${check.file}: OK`] : check.problems.map((problem) => `${check.file}: ${problem}`)),
    ...check.notes.map((note) => `${check.file}: note: ${note}`),
  ]);
}

function runCheck(service: string, script: string, args: string[]) {
  return new Promise<{ service: string; files: Array<Omit<FileCheck, 'checkedBy'>> }>((done) => {
    if (!existsSync(script)) {
      done(failed(service, args[0], `${script} is missing: build first (npm run build)`));
      return;
    }
    execFile(process.execPath, [script, ...args], { timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      try {
        const parsed = JSON.parse(stdout) as { files: Array<Omit<FileCheck, 'checkedBy'>> };
        done({ service, files: parsed.files });
      } catch {
        const reason = (stderr || error?.message || 'no answer').trim().split('\n')[0].slice(0, 300);
        done(failed(service, args[0], `the ${service} check did not answer: ${reason}`));
      }
    });
  });
}

function failed(service: string, dir: string, problem: string) {
  return { service, files: [{ file: resolve(dir, `(${service})`), ok: false, problems: [problem], notes: [] }] };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
