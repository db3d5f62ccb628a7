import { parseDocument, stringify } from 'yaml';

/** What a snapshot holds, as read from or written to its files. */
export interface StoredRunbook {
  id: string;
  /** The definition exactly as it was stored (`PUT /api/v1/runbooks/:id`), without `prose`. */
  definition: Record<string, unknown>;
  prose: string | null;
}

export interface RuntimeMapping {
  alertname: string;
  runbookId: string;
}

export interface KnowledgeDocument {
  id: string;
  title: string;
  type: 'static' | 'dynamic' | 'template';
  severity: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  source: 'api' | 'incident';
  content: string;
}

/** What was learnt, as the knowledge service exports it: rows of alert episodes and runbook runs. */
export interface Learning {
  episodes: Array<Record<string, unknown>>;
  runs: Array<Record<string, unknown>>;
}

export interface Counts {
  runbooks: number;
  mappings: number;
  documents: number;
  episodes: number;
  runs: number;
}

export interface Manifest {
  format: 1;
  createdAt: string;
  services: Record<string, string>;
  counts: Counts;
}

const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

export const toYaml = (value: unknown): string => stringify(value, YAML_OPTIONS);

/** Parses one YAML document; aliases are bounded, so a hostile file cannot expand into gigabytes. */
export function fromYaml(text: string, file: string): unknown {
  const document = parseDocument(text);
  if (document.errors.length) throw new SnapshotFormatError(file, document.errors[0].message.split('\n')[0]);
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new SnapshotFormatError(file, (error as Error).message.split('\n')[0]);
  }
}

export class SnapshotFormatError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** A runbook file is the definition as it is written in runbooks/*.yaml, with its id and prose beside it. */
export function runbookToYaml(runbook: StoredRunbook): string {
  return toYaml({ id: runbook.id, prose: runbook.prose, definition: runbook.definition });
}

export function runbookFromYaml(text: string, file: string): StoredRunbook {
  const value = fromYaml(text, file) as Partial<StoredRunbook> | null;
  if (!isObject(value) || typeof value.id !== 'string' || !isObject(value.definition))
    throw new SnapshotFormatError(file, 'expected a runbook: id (text) and definition (a mapping)');
  if (value.prose !== null && value.prose !== undefined && typeof value.prose !== 'string')
    throw new SnapshotFormatError(file, 'prose must be text');
  return { id: value.id, definition: value.definition, prose: value.prose ?? null };
}

/** A list of rows (episodes or runs); each must be a mapping, the service checks the fields. */
export function rowsFromYaml(text: string, file: string): Array<Record<string, unknown>> {
  const value = fromYaml(text, file);
  if (!Array.isArray(value) || !value.every(isObject)) throw new SnapshotFormatError(file, 'expected a list of mappings');
  return value;
}

export function mappingFromYaml(text: string, file: string): RuntimeMapping {
  const value = fromYaml(text, file) as Partial<RuntimeMapping> | null;
  if (!isObject(value) || typeof value.alertname !== 'string' || typeof value.runbookId !== 'string')
    throw new SnapshotFormatError(file, 'expected a mapping: alertname and runbookId (text)');
  return { alertname: value.alertname, runbookId: value.runbookId };
}

/** Markdown with the document's fields as YAML front matter; the body after the closing `---` is the content, byte for byte. */
export function documentToMarkdown(doc: KnowledgeDocument): string {
  const { content, ...fields } = doc;
  return `---\n${toYaml(fields)}---\n${content}`;
}

export function documentFromMarkdown(text: string, file: string): KnowledgeDocument {
  if (!text.startsWith('---\n')) throw new SnapshotFormatError(file, 'expected YAML front matter starting with ---');
  const end = text.indexOf('\n---\n', 3);
  if (end < 0) throw new SnapshotFormatError(file, 'the front matter has no closing ---');
  const fields = fromYaml(text.slice(4, end + 1), file) as Record<string, unknown> | null;
  if (!isObject(fields)) throw new SnapshotFormatError(file, 'the front matter must be a mapping');
  const problems: string[] = [];
  if (typeof fields.id !== 'string' || fields.id === '') problems.push('id');
  if (typeof fields.title !== 'string') problems.push('title');
  if (!['static', 'dynamic', 'template'].includes(fields.type as string)) problems.push('type');
  if (!['api', 'incident'].includes(fields.source as string)) problems.push('source (api or incident)');
  if (fields.severity !== null && fields.severity !== undefined && typeof fields.severity !== 'string') problems.push('severity');
  if (fields.tags !== undefined && !(Array.isArray(fields.tags) && fields.tags.every((t) => typeof t === 'string'))) problems.push('tags');
  if (fields.metadata !== undefined && !isObject(fields.metadata)) problems.push('metadata');
  if (problems.length) throw new SnapshotFormatError(file, `missing or invalid: ${problems.join(', ')}`);
  return {
    id: fields.id as string,
    title: fields.title as string,
    type: fields.type as KnowledgeDocument['type'],
    severity: (fields.severity as string | null | undefined) ?? null,
    tags: (fields.tags as string[] | undefined) ?? [],
    metadata: (fields.metadata as Record<string, unknown> | undefined) ?? {},
    source: fields.source as KnowledgeDocument['source'],
    content: text.slice(end + 5),
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON with keys sorted at every level, to tell whether two values are the same whatever their key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
