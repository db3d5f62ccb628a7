import { existsSync } from 'node:fs';
import { ConfigError } from './config-error';

/** One config file as a service's `check-config` program reports it (`firebreak check-config` merges them). */
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
export function checkConfigFiles(files: string[], load: () => string[] | void): FileCheck[] {
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

export function reportConfigCheck(files: FileCheck[]): void {
  const ok = files.every((file) => file.ok);
  process.stdout.write(`${JSON.stringify({ ok, files })}\n`);
  process.exitCode = ok ? 0 : 1;
}
