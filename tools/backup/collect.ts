import { ApiClient, ToolError } from './api-client';
import { Counts, KnowledgeDocument, Learning, RuntimeMapping, StoredRunbook } from './snapshot-format';

export interface SnapshotContent {
  runbooks: StoredRunbook[];
  mappings: RuntimeMapping[];
  documents: KnowledgeDocument[];
  learning: Learning;
}

export const countsOf = (content: SnapshotContent): Counts => ({
  runbooks: content.runbooks.length,
  mappings: content.mappings.length,
  documents: content.documents.length,
  episodes: content.learning.episodes.length,
  runs: content.learning.runs.length,
});

interface RunbookList {
  runbooks: Array<{ id: string; source: 'file' | 'api'; version: number }>;
}
interface RunbookVersions {
  inForce: { source: 'file' | 'api'; version: number } | null;
  versions: Array<{ version: number; action: 'stored' | 'deleted'; definition: Record<string, unknown> | null; prose: string | null }>;
}
interface MappingList {
  runtime: Array<{ alertname: string; runbookId: string }>;
}
interface DocumentPage {
  documents: Array<KnowledgeDocument & Record<string, unknown>>;
  next: string | null;
}

/**
 * Stored runbooks only: the executor lists shipped files as `source: file` (they are in git already); a stored
 * one (`source: api`, also when it overrides a file) is backed up as the version in force, exactly as stored.
 */
export async function collectRunbooks(api: ApiClient): Promise<StoredRunbook[]> {
  const { runbooks } = await api.get<RunbookList>('runbook-executor', '/api/v1/runbooks');
  const stored: StoredRunbook[] = [];
  for (const { id } of runbooks.filter((r) => r.source === 'api')) {
    const history = await api.find<RunbookVersions>('runbook-executor', `/api/v1/runbooks/${encodeURIComponent(id)}/versions`);
    if (history?.inForce?.source !== 'api') continue; // deleted since the list was read
    const row = history.versions.find((v) => v.version === history.inForce!.version);
    if (!row?.definition)
      throw new ToolError(`runbook-executor: version ${history.inForce.version} of runbook ${id} is in force but not in its history`);
    stored.push({ id, definition: row.definition, prose: row.prose });
  }
  return stored;
}

/** Runtime mappings only (`PUT /api/v1/mappings/:alertname`); the file ones live in config/mappings.yaml. */
export async function collectMappings(api: ApiClient): Promise<RuntimeMapping[]> {
  const { runtime } = await api.get<MappingList>('mapper', '/api/v1/mappings');
  return runtime.map(({ alertname, runbookId }) => ({ alertname, runbookId }));
}

/**
 * Documents written by people (`source: api`) and incident write-ups (`source: incident`); runbook prose comes
 * from runbook files or stored runbooks and templates ship with the service, so neither is backed up.
 */
export async function collectDocuments(api: ApiClient): Promise<KnowledgeDocument[]> {
  const documents: KnowledgeDocument[] = [];
  let after = '';
  for (;;) {
    const page = await api.get<DocumentPage>(
      'knowledge',
      `/api/v1/knowledge/backup/documents?limit=500&after=${encodeURIComponent(after)}`,
    );
    for (const d of page.documents) documents.push(pickDocument(d));
    if (!page.next) return documents;
    after = page.next;
  }
}

export function pickDocument(d: KnowledgeDocument): KnowledgeDocument {
  return {
    id: d.id,
    title: d.title,
    type: d.type,
    severity: d.severity ?? null,
    tags: d.tags ?? [],
    metadata: d.metadata ?? {},
    source: d.source,
    content: d.content,
  };
}

/** What was learnt: alert episodes and runbook runs, as rows (the knowledge service's backup export). */
export function collectLearning(api: ApiClient): Promise<Learning> {
  return api.get<Learning>('knowledge', '/api/v1/knowledge/backup/learning');
}

export async function collectAll(api: ApiClient): Promise<SnapshotContent> {
  const [runbooks, mappings, documents, learning] = await Promise.all([
    collectRunbooks(api),
    collectMappings(api),
    collectDocuments(api),
    collectLearning(api),
  ]);
  return { runbooks, mappings, documents, learning };
}
