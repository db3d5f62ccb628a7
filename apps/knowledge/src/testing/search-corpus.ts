import { DataSource } from 'typeorm';
import { resolveDatabaseUrl } from '@firebreak/testing';
import { http } from './knowledge-harness';

/** Runbooks whose prose the search specs look for (search, documents and catalogue behaviour). */
export const SEARCH_CORPUS = [
  {
    id: 'postgres_vacuum',
    title: 'Postgres vacuum',
    description: 'Reclaim dead tuples and table bloat with VACUUM ANALYZE',
    tags: ['database', 'postgres', 'maintenance'],
    prose: '# Postgres vacuum\n\n## Symptoms\n\nQueries slow down as dead tuples pile up; autovacuum lags behind.\n',
  },
  {
    id: 'high_error_rate',
    title: 'High error rate',
    description: 'Error analysis and circuit breaker application',
    tags: ['errors', 'circuit-breaker'],
    prose: '# High error rate\n\nMore than 5% of requests fail with 5xx. Open the circuit breaker in front of the failing dependency.\n',
  },
  {
    id: 'service_unavailable',
    title: 'Service unavailable',
    description: 'Health checks and restart procedure',
    tags: ['availability', 'restart'],
    prose: '# Service unavailable\n\nThe health check fails. Restart the service and watch it come back; the database is not involved.\n',
  },
  {
    id: 'dlq_recovery',
    title: 'Dead-letter queue recovery',
    description: 'Replay dead-lettered messages once their cause is gone',
    tags: ['bus', 'nats'],
    prose: '# Dead-letter queue recovery\n\nA consumer gave up on messages. Find the cause, fix it, replay.\n',
  },
];

export interface SearchAnswer {
  results: Array<{ id: string; relevance_score: number; summary: string; last_updated: string; type: string }>;
  total: number;
  search_time: string;
}

/** GET /api/v1/knowledge/search as a viewer; `query` is the URL's query string. */
export function searchApi(call: ReturnType<typeof http>) {
  return async (query: string): Promise<SearchAnswer> => {
    const res = await call('GET', `/api/v1/knowledge/search?${query}`, 'viewer-token');
    if (res.statusCode !== 200) throw new Error(`search answered ${res.statusCode}: ${res.body}`);
    return res.json<SearchAnswer>();
  };
}

/**
 * `count` incident write-ups of 50 alertnames (Alert0…Alert49), as months of learning leave them; inserted directly
 * for speed, then vacuumed as autovacuum would (merges GIN's pending list: fresh bulk inserts make index scans look
 * costly) and analysed.
 */
export async function addFillerWriteups(schema: string, count: number): Promise<void> {
  const db = await new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() }).initialize();
  try {
    await db.query(
      `INSERT INTO "${schema}".documents (id, title, type, severity, tags, tags_text, metadata, body, source, created_at, updated_at)
       SELECT 'filler-' || i, 'Incident: Alert' || (i % 50) || ' on ' || md5(i::text), 'dynamic', 'warning', ARRAY['incident'],
              'incident', jsonb_build_object('alertname', 'Alert' || (i % 50)),
              'Latency and errors on ' || md5(i::text) || ' ' || md5((i * 7)::text) || ' database queue', 'incident', now(), now()
       FROM generate_series(1, $1::int) i`,
      [count],
    );
    await db.query(`VACUUM ANALYZE "${schema}".documents`);
  } finally {
    await db.destroy();
  }
}

/** Every scan node of a JSON plan: what kind, on which table, through which index. */
export function scans(plan: string): Array<{ type: string; relation?: string; index?: string }> {
  const out: Array<{ type: string; relation?: string; index?: string }> = [];
  const walk = (node: Record<string, unknown>) => {
    out.push({ type: String(node['Node Type']), relation: node['Relation Name'] as string, index: node['Index Name'] as string });
    for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
  };
  for (const root of JSON.parse(plan) as Array<{ Plan: Record<string, unknown> }>) walk(root.Plan);
  return out;
}
