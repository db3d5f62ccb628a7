import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { describeZodError } from '@firebreak/contracts';
import { runbookProblems } from '../definitions/runbook-checks';
import { normaliseRunbook, Runbook, RunbookSchema } from '../definitions/runbook.schema';

export interface LoadedRunbook {
  runbook: Runbook;
  /** The file it was loaded from; for a runbook stored by API, the file it overrides, if any. */
  file: string | null;
  prose: string | null;
  /** `file`: shipped in the runbooks directory (version 0); `api`: stored by PUT /api/v1/runbooks/:id. */
  source: 'file' | 'api';
  version: number;
  /** Who stored it and when (`api` only). */
  stored?: { by: string; at: Date };
}

export interface RunbookLoadError {
  /** The file name without extension: how `GET /runbooks/:id` finds the error of a runbook that did not load. */
  id: string;
  file: string;
  problems: string[];
}

export interface RunbookCatalogue {
  runbooks: Map<string, LoadedRunbook>;
  errors: RunbookLoadError[];
}

function readProse(dir: string, id: string): string | null {
  try {
    return readFileSync(join(dir, `${id}.md`), 'utf8');
  } catch {
    return null;
  }
}

/**
 * Validates one runbook document (a file's YAML, or a body stored by API) with the schema and the checks the schema
 * cannot make; `expectedId` is what its `id` must be (the file name, or the path of the API). Every problem names the field.
 */
export function validateRunbook(
  raw: unknown,
  expected: { id: string; what: string },
  connections?: ReadonlySet<string>,
): { runbook?: Runbook; problems: string[] } {
  const parsed = RunbookSchema.safeParse(raw);
  if (!parsed.success) return { problems: describeZodError(parsed.error) };
  const runbook = normaliseRunbook(parsed.data);
  const problems = runbookProblems(runbook, connections);
  if (runbook.id !== expected.id) problems.push(`id: "${runbook.id}" must match ${expected.what} "${expected.id}"`);
  return problems.length ? { problems } : { runbook, problems };
}

/** Parses and validates one file; every problem names the file and the field. */
export function loadRunbookFile(path: string, connections?: ReadonlySet<string>): { runbook?: Runbook; problems: string[] } {
  const document = parseDocument(readFileSync(path, 'utf8'));
  if (document.errors.length) return { problems: document.errors.map((error) => `yaml: ${error.message.split('\n')[0]}`) };
  return validateRunbook(document.toJS(), { id: basename(path, extname(path)), what: 'the file name' }, connections);
}

/** Loads every `<id>.yaml` of the directory; a bad file is reported and left out, the others load. */
export function loadRunbooks(dir: string, connections?: ReadonlySet<string>): RunbookCatalogue {
  const root = resolve(dir);
  const catalogue: RunbookCatalogue = { runbooks: new Map(), errors: [] };
  let files: string[];
  try {
    files = readdirSync(root)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort();
  } catch (error) {
    catalogue.errors.push({ id: '', file: root, problems: [`cannot read the runbooks directory: ${(error as Error).message}`] });
    return catalogue;
  }
  for (const name of files) {
    const file = join(root, name);
    const id = basename(name, extname(name));
    try {
      const { runbook, problems } = loadRunbookFile(file, connections);
      if (runbook && !catalogue.runbooks.has(id))
        catalogue.runbooks.set(id, { runbook, file, prose: readProse(root, id), source: 'file', version: 0 });
      else catalogue.errors.push({ id, file, problems: runbook ? [`another file already defines runbook "${id}"`] : problems });
    } catch (error) {
      catalogue.errors.push({ id, file, problems: [`cannot read: ${(error as Error).message}`] });
    }
  }
  return catalogue;
}
