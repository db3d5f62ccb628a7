import { ApiClient } from './api-client';
import { collectDocuments, SnapshotContent } from './collect';
import { canonical, KnowledgeDocument } from './snapshot-format';

export type Action = 'create' | 'update';

export interface Change {
  service: 'runbook-executor' | 'mapper' | 'knowledge';
  kind: 'runbook' | 'mapping' | 'document' | 'learning';
  id: string;
  action: Action;
  apply: () => Promise<unknown>;
}

interface RunbookVersions {
  inForce: { source: 'file' | 'api'; version: number } | null;
  versions: Array<{ version: number; definition: Record<string, unknown> | null; prose: string | null }>;
}

/**
 * What a restore would change: each snapshot item that is missing or different in the running services. Only
 * reads; an item already as in the snapshot is no change, so a second restore plans nothing. Restore adds and
 * updates; it never deletes what was created after the snapshot.
 */
export async function planRestore(api: ApiClient, snapshot: SnapshotContent): Promise<Change[]> {
  const changes: Change[] = [];
  for (const runbook of snapshot.runbooks) {
    const history = await api.find<RunbookVersions>('runbook-executor', `/api/v1/runbooks/${encodeURIComponent(runbook.id)}/versions`);
    const current = history?.inForce?.source === 'api' ? history.versions.find((v) => v.version === history.inForce!.version) : undefined;
    if (current && canonical(current.definition) === canonical(runbook.definition) && (current.prose ?? null) === runbook.prose) continue;
    changes.push({
      service: 'runbook-executor',
      kind: 'runbook',
      id: runbook.id,
      action: current ? 'update' : 'create',
      apply: () =>
        api.put('runbook-executor', `/api/v1/runbooks/${encodeURIComponent(runbook.id)}`, {
          ...runbook.definition,
          ...(runbook.prose === null ? {} : { prose: runbook.prose }),
        }),
    });
  }

  const { runtime } = await api.get<{ runtime: Array<{ alertname: string; runbookId: string }> }>('mapper', '/api/v1/mappings');
  const mapped = new Map(runtime.map((m) => [m.alertname, m.runbookId]));
  for (const mapping of snapshot.mappings) {
    if (mapped.get(mapping.alertname) === mapping.runbookId) continue;
    changes.push({
      service: 'mapper',
      kind: 'mapping',
      id: mapping.alertname,
      action: mapped.has(mapping.alertname) ? 'update' : 'create',
      apply: () => api.put('mapper', `/api/v1/mappings/${encodeURIComponent(mapping.alertname)}`, { runbookId: mapping.runbookId }),
    });
  }

  const existing = new Map((await collectDocuments(api)).map((d) => [d.id, d]));
  for (const doc of snapshot.documents) {
    const current = existing.get(doc.id);
    if (current && sameDocument(current, doc)) continue;
    const { id, ...body } = doc;
    changes.push({
      service: 'knowledge',
      kind: 'document',
      id,
      action: current ? 'update' : 'create',
      apply: () => api.put('knowledge', `/api/v1/knowledge/backup/documents/${encodeURIComponent(id)}`, body),
    });
  }
  changes.push(...(await planLearning(api, snapshot)));
  return changes;
}

/** A request to the knowledge service stays well under its 1 MiB body limit and its 1,000 rows. */
const CHUNK_BYTES = 512 * 1024;
const CHUNK_ROWS = 500;

export function chunk<T>(rows: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = JSON.stringify(row).length;
    if (current.length > 0 && (current.length >= CHUNK_ROWS || bytes + size > CHUNK_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * What was learnt: the service adds only missing episodes and runs, so the plan asks it (dry_run) how many each
 * chunk would add; episodes go before runs, which find their episode by its id (kept by the backup, so a restored
 * episode keeps its write-up's id and a start moved back since the snapshot adds no second episode).
 */
async function planLearning(api: ApiClient, snapshot: SnapshotContent): Promise<Change[]> {
  const requests = [
    ...chunk(snapshot.learning.episodes).map((episodes) => ({ episodes, runs: [] as unknown[] })),
    ...chunk(snapshot.learning.runs).map((runs) => ({ episodes: [] as unknown[], runs })),
  ];
  const changes: Change[] = [];
  for (const body of requests) {
    const { added } = await api.post<{ added: { episodes: number; runs: number } }>('knowledge', LEARNING_PATH + '?dry_run=true', body);
    if (added.episodes + added.runs === 0) continue;
    changes.push({
      service: 'knowledge',
      kind: 'learning',
      id: added.episodes ? `${added.episodes} alert episodes` : `${added.runs} runbook runs`,
      action: 'create',
      apply: () => api.post('knowledge', LEARNING_PATH, body),
    });
  }
  return changes;
}

const LEARNING_PATH = '/api/v1/knowledge/backup/learning';

function sameDocument(a: KnowledgeDocument, b: KnowledgeDocument): boolean {
  return canonical({ ...a, tags: [...new Set(a.tags)] }) === canonical({ ...b, tags: [...new Set(b.tags)] });
}

/**
 * Runbooks first (a mapping may name a restored runbook; the mapper checks runbook ids against the catalogue it
 * hears on the bus), then mappings, then documents. Stops at the first failure: what was applied stays applied
 * (each is one audited API change) and running restore again finishes the rest.
 */
export async function applyRestore(changes: readonly Change[], onApplied: (change: Change) => void): Promise<void> {
  const order: Change['kind'][] = ['runbook', 'mapping', 'document', 'learning'];
  for (const kind of order) {
    for (const change of changes.filter((c) => c.kind === kind)) {
      await change.apply();
      onApplied(change);
    }
  }
}
