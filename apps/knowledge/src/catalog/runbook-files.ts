import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';

/** What knowledge needs of a shipped runbook: who it is, how it reads. Steps are the executor's business. */
export interface RunbookProse {
  runbookId: string;
  title: string;
  description: string | null;
  severity: string | null;
  tags: string[];
  prose: string | null;
}

const ID = /^[a-z0-9_]+$/;
const MAX_PROSE = 65_536;

/**
 * Reads `<id>.yaml` (title, description, severity, tags) and `<id>.md` beside it. A file that does not parse
 * is reported and left out; the executor is the one that validates runbooks, this only indexes their text.
 */
export function readRunbookFiles(dir: string): { runbooks: RunbookProse[]; problems: string[] } {
  const runbooks: RunbookProse[] = [];
  const problems: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'));
  } catch (error) {
    return { runbooks, problems: [`${dir}: ${(error as Error).message}`] };
  }
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      const doc: unknown = parse(readFileSync(file, 'utf8'));
      if (!doc || typeof doc !== 'object') throw new Error('not a mapping');
      const fields = doc as Record<string, unknown>;
      const id = typeof fields.id === 'string' ? fields.id : basename(name).replace(/\.ya?ml$/, '');
      if (!ID.test(id)) throw new Error(`id ${JSON.stringify(id)} is not a runbook id`);
      runbooks.push({
        runbookId: id,
        title: typeof fields.title === 'string' ? fields.title : id,
        description: typeof fields.description === 'string' ? fields.description : null,
        severity: typeof fields.severity === 'string' ? fields.severity : null,
        tags: Array.isArray(fields.tags) ? fields.tags.filter((t): t is string => typeof t === 'string') : [],
        prose: readProse(dir, id),
      });
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  return { runbooks, problems };
}

function readProse(dir: string, id: string): string | null {
  try {
    return readFileSync(join(dir, `${id}.md`), 'utf8').slice(0, MAX_PROSE);
  } catch {
    return null;
  }
}
