import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, LOGGER, table } from '@firebreak/platform';
import type { KnowledgeConfig } from '../service';

export interface SearchFilter {
  type?: string;
  severity?: string;
  tags?: string[];
  /** Only these sources (e.g. runbook prose for recommendations). */
  sources?: string[];
  /** Incident write-ups only of this alertname (other documents unaffected): keeps an alert's search to its own history. */
  incidentsOf?: string;
  limit: number;
}

export interface SearchRow {
  id: string;
  title: string;
  type: 'static' | 'dynamic' | 'template';
  severity: string | null;
  tags: string[];
  source: string;
  body: string;
  metadata: Record<string, unknown>;
  updated_at: Date;
  relevance: number;
  total: string;
}

/** Below this trigram word similarity a document that matched no word is not a typo of the query either. */
const TRIGRAM_THRESHOLD = 0.4;

/**
 * Postgres does the searching: the generated, weighted tsvector (title A, tags B, body C) with
 * websearch_to_tsquery (which accepts any text: quotes, operators, stray symbols) ranked by ts_rank_cd,
 * and pg_trgm word similarity on title and tags for typos. Without pg_trgm (no contrib package) the
 * trigram part is left out and search is full-text only.
 */
@Injectable()
export class SearchRepository implements OnApplicationBootstrap {
  private readonly documents: string;
  /** The schema pg_trgm lives in (functions are qualified: the service's search_path need not include it). */
  private trigramSchema: string | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: KnowledgeConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.documents = table(config.dbSchema, 'documents');
  }

  async onApplicationBootstrap(): Promise<void> {
    const rows: Array<{ schema: string }> = await this.dataSource.query(
      `SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`,
    );
    this.trigramSchema = rows[0]?.schema ?? null;
    if (!this.trigramSchema) this.logger.warn('pg_trgm is not installed: knowledge search is full-text only (no typo tolerance)');
  }

  get typoTolerant(): boolean {
    return this.trigramSchema !== null;
  }

  /**
   * `mode: all` is the user's query (websearch syntax: words are ANDed, "quoted phrases", -not, or);
   * `mode: any` matches documents with any of the words (an alert's name and labels as a query).
   */
  async search(query: string, filter: SearchFilter, mode: 'all' | 'any' = 'all'): Promise<SearchRow[]> {
    const { sql, params, typo } = this.statement(query, filter, mode);
    // Only the typo operator reads the threshold: an alert's search (no typos) is one statement, not a transaction of
    // four (it runs twice per new alert).
    if (!typo) return this.dataSource.query(sql, params);
    return this.withThreshold((manager) => manager.query(sql, params));
  }

  /** The plan Postgres picks for a search (JSON EXPLAIN), so a test can see the indexes are used. */
  async plan(query: string, filter: SearchFilter, mode: 'all' | 'any' = 'all'): Promise<string> {
    const { sql, params } = this.statement(query, filter, mode);
    const rows: Array<{ 'QUERY PLAN': unknown }> = await this.withThreshold((manager) =>
      manager.query(`EXPLAIN (FORMAT JSON) ${sql}`, params),
    );
    return JSON.stringify(rows[0]['QUERY PLAN']);
  }

  /**
   * The candidate rows are chosen in WHERE by operators the indexes serve: `search @@ tsq` (GIN on the
   * tsvector) OR `q <% title || ' ' || tags_text` (pg_trgm GIN on that expression: word similarity above the threshold set in
   * withThreshold). Scoring then runs on those rows only — never on every document (20,000 documents:
   * a sequential scan took ~130 ms per query here, the bitmap index scans under 1 ms).
   */
  private statement(query: string, filter: SearchFilter, mode: 'all' | 'any'): { sql: string; params: unknown[]; typo: boolean } {
    const anyText = query
      .split(/\s+/)
      .filter(Boolean)
      .map((word) => word.replace(/["-]/g, ' ').trim())
      .filter(Boolean)
      .join(' or ');
    const t = this.trigramSchema ? `"${this.trigramSchema}"` : null;
    const trgm = t ? `greatest(${t}.word_similarity($1, d.title), ${t}.word_similarity($1, d.tags_text))` : '0::real';
    // Typos are looked for in title and tags (one trigram index on the two joined), for people's queries
    // only: an alert's text (mode any) is machine-made, and a long query's many trigrams would make the
    // trigram index cost more than reading every row.
    const typo = t && mode === 'all' ? `OR $1 OPERATOR(${t}.<%) (d.title || ' ' || d.tags_text)` : '';
    // ts_rank_cd grows without bound; rank / (rank + 0.1) maps it onto 0–1 (0.1 → 0.5, 1 → 0.91).
    // A document found only by trigrams (a typo) scores by its similarity alone.
    const sql = `
      WITH q AS (SELECT websearch_to_tsquery('english', $2) AS tsq),
      scored AS (
        SELECT d.id, d.title, d.type, d.severity, d.tags, d.source, d.body, d.metadata, d.updated_at,
               CASE WHEN d.search @@ q.tsq THEN ts_rank_cd(d.search, q.tsq) ELSE 0 END AS fts,
               ${trgm} AS trgm
        FROM ${this.documents} d, q
        WHERE (d.search @@ q.tsq ${typo})
          AND ($3::text IS NULL OR d.type = $3)
          AND ($4::text IS NULL OR d.severity = $4)
          AND ($5::text[] IS NULL OR d.tags @> $5::text[])
          AND ($6::text[] IS NULL OR d.source = ANY($6::text[]))
          AND ($8::text IS NULL OR d.source <> 'incident' OR coalesce(d.metadata->>'alertname', d.metadata->>'incident_type') = $8)
      )
      SELECT id, title, type, severity, tags, source, body, metadata, updated_at,
             CASE WHEN fts > 0 THEN 0.75 * (fts / (fts + 0.1)) + 0.25 * trgm ELSE 0.9 * trgm END AS relevance,
             count(*) OVER ()::text AS total
      FROM scored
      -- The joined title and tags may pass where neither alone does; the threshold is the one of each part.
      WHERE fts > 0 OR trgm >= ${TRIGRAM_THRESHOLD}
      ORDER BY relevance DESC, updated_at DESC, id
      LIMIT $7`;
    const params = [
      query,
      mode === 'all' ? query : anyText || query,
      filter.type ?? null,
      filter.severity ?? null,
      filter.tags?.length ? filter.tags : null,
      filter.sources?.length ? filter.sources : null,
      filter.limit,
      filter.incidentsOf ?? null,
    ];
    return { sql, params, typo: typo !== '' };
  }

  /**
   * `<%` compares with pg_trgm.word_similarity_threshold (default 0.6); SET LOCAL keeps our 0.4 to this
   * transaction, so the pooled connection is left as it was.
   */
  private async withThreshold<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (!this.trigramSchema) return work(this.dataSource.manager);
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('pg_trgm.word_similarity_threshold', $1, true)`, [String(TRIGRAM_THRESHOLD)]);
      return work(manager);
    });
  }
}
