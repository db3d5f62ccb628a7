import { Injectable } from '@nestjs/common';
import { asPostgresOutage, Batcher } from '@firebreak/bus';
import { knowledgeMetrics } from '../core/metrics';
import { summarise } from '../core/text';
import { SearchQuery } from './search.dto';
import { SearchFilter, SearchRepository, SearchRow } from './search.repository';

export interface SearchHit {
  id: string;
  title: string;
  type: 'static' | 'dynamic' | 'template';
  severity: string | null;
  tags: string[];
  source: string;
  metadata: Record<string, unknown>;
  relevance_score: number;
  summary: string;
  last_updated: string;
}

/** One alert's search: its words and its filter. */
interface RelatedSearch {
  query: string;
  filter: SearchFilter;
}

/** Full-text + trigram search over documents, answering in seed 001's shape. */
@Injectable()
export class SearchService {
  /**
   * The alert searches asked in one turn of the event loop (a storm's analyses, two searches each) run as one
   * statement. A batch that fails is retried one search at a time (Batcher), each alone as before: one search's
   * failure is its alert's only.
   */
  private readonly relatedSearches = new Batcher<RelatedSearch, SearchRow[]>((searches) => this.relatedBatch(searches), {
    // A batch runs on one backend, one core, and each alert waits for its whole batch: a search over a large history
    // ranks every write-up of its alertname (~100 ms each with thousands), so batches stay small and several run at
    // once. 64 searches over 20,000 write-ups took 1.6 s as one statement, 0.85 s spread over the pool.
    maxSize: 16,
    maxInFlight: 4,
  });

  constructor(private readonly repo: SearchRepository) {}

  async search(query: SearchQuery) {
    const started = process.hrtime.bigint();
    const rows = await this.repo.search(query.q, { type: query.type, severity: query.severity, tags: query.tags, limit: query.limit });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    knowledgeMetrics.searches.inc({ result: rows.length ? 'hits' : 'empty' });
    return { results: rows.map(toHit), total: rows.length ? Number(rows[0].total) : 0, search_time: `${seconds.toFixed(3)}s` };
  }

  /** Documents matching any word of `text` (for an alert: its name split into words, label values, annotations). */
  async related(text: string, filter: SearchFilter): Promise<SearchHit[]> {
    const words = splitWords(text).slice(0, 40).join(' ');
    if (!words) return [];
    return (await this.relatedSearches.submit({ query: words, filter })).map(toHit);
  }

  private async relatedBatch(searches: RelatedSearch[]): Promise<SearchRow[][]> {
    // Alone, the single statement: its plan is made for its own values.
    // An outage says so (asPostgresOutage): the analyses wait for Postgres, not count a failure toward dead-lettering.
    try {
      if (searches.length === 1) return [await this.repo.search(searches[0].query, searches[0].filter, 'any')];
      return await this.repo.searchMany(searches);
    } catch (error) {
      throw asPostgresOutage(error);
    }
  }
}

/** `HighErrorRate` → `High Error Rate`, `db_performance` → `db performance`: words Postgres can stem. */
export function splitWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 1);
}

function toHit(row: SearchRow): SearchHit {
  return {
    id: row.id,
    title: row.title,
    type: row.type,
    severity: row.severity,
    tags: row.tags,
    source: row.source,
    metadata: row.metadata,
    relevance_score: Math.round(Math.min(1, Math.max(0, Number(row.relevance))) * 1000) / 1000,
    summary: summarise(row.body),
    last_updated: new Date(row.updated_at).toISOString(),
  };
}
