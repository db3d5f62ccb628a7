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

/** What a search's SQL reads its query and filter from: parameters of the single statement, columns of the batch's input. */
export interface SearchRefs {
  /** The text compared by trigrams. */
  query: string;
  tsq: string;
  type: string;
  severity: string;
  tags: string;
  sources: string;
  incidentsOf: string;
}

const PARAMS: SearchRefs = {
  query: '$1',
  tsq: 'q.tsq',
  type: '$3::text',
  severity: '$4::text',
  tags: '$5::text[]',
  sources: '$6::text[]',
  incidentsOf: '$8::text',
};

const INPUT: SearchRefs = {
  query: 'input.query',
  tsq: 'input.tsq',
  type: 'input.type',
  severity: 'input.severity',
  tags: 'input.tags',
  sources: 'input.sources',
  incidentsOf: 'input.incidents_of',
};

/** An alert's text as websearch syntax matching any of its words (`a or b or c`); quotes and dashes are not operators. */
export function anyText(query: string): string {
  const words = query
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => word.replace(/["-]/g, ' ').trim())
    .filter(Boolean)
    .join(' or ');
  return words || query;
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

  /**
   * Several alerts' searches (mode `any`, as `search` would run each) in one statement: each input row's search runs
   * in a LATERAL subquery (the text `search` runs), so each gets the hits, scores and order it would get alone.
   * Answers in the order asked.
   */
  async searchMany(searches: ReadonlyArray<{ query: string; filter: SearchFilter }>): Promise<SearchRow[][]> {
    const { sql, params } = this.manyStatement(searches);
    const rows: Array<SearchRow & { n: string }> = await this.dataSource.query(sql, params);
    const out = searches.map((): SearchRow[] => []);
    for (const { n, ...row } of rows) out[Number(n) - 1].push(row);
    return out;
  }

  /** The plan of a batch of searches (JSON EXPLAIN), so a test can see the indexes are still used. */
  async planMany(searches: ReadonlyArray<{ query: string; filter: SearchFilter }>): Promise<string> {
    const { sql, params } = this.manyStatement(searches);
    const rows: Array<{ 'QUERY PLAN': unknown }> = await this.dataSource.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    return JSON.stringify(rows[0]['QUERY PLAN']);
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
    const t = this.trigramSchema ? `"${this.trigramSchema}"` : null;
    // Typos are looked for in title and tags (one trigram index on the two joined), for people's queries
    // only: an alert's text (mode any) is machine-made, and a long query's many trigrams would make the
    // trigram index cost more than reading every row.
    const typo = t && mode === 'all' ? `OR $1 OPERATOR(${t}.<%) (d.title || ' ' || d.tags_text)` : '';
    const sql = `
      WITH q AS (SELECT websearch_to_tsquery('english', $2) AS tsq)
      ${this.ranked(PARAMS, 'q', typo)}
      LIMIT $7`;
    const params = [
      query,
      mode === 'all' ? query : anyText(query),
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
   * One row per search, every value a parameter (arrays of text: label text stays data). The input is MATERIALIZED so
   * each query is parsed into a tsquery once, not again for every document it is compared with; tags and sources,
   * lists per search, travel as JSON text.
   */
  private manyStatement(searches: ReadonlyArray<{ query: string; filter: SearchFilter }>): { sql: string; params: unknown[] } {
    const list = (values: string[] | undefined) => (values?.length ? JSON.stringify(values) : null);
    const sql = `
      WITH input AS MATERIALIZED (
        SELECT i.n, i.query, websearch_to_tsquery('english', i.words) AS tsq, i.type, i.severity, i.incidents_of, i.lim,
               CASE WHEN i.tags IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(i.tags::jsonb)) END AS tags,
               CASE WHEN i.sources IS NOT NULL THEN ARRAY(SELECT jsonb_array_elements_text(i.sources::jsonb)) END AS sources
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[])
             WITH ORDINALITY AS i(query, words, type, severity, tags, sources, incidents_of, lim, n)
      )
      SELECT input.n, hit.*
      FROM input CROSS JOIN LATERAL (${this.ranked(INPUT, '', '')} LIMIT input.lim) hit
      ORDER BY input.n, hit.relevance DESC, hit.updated_at DESC, hit.id`;
    const params = [
      searches.map((s) => s.query),
      searches.map((s) => anyText(s.query)),
      searches.map((s) => s.filter.type ?? null),
      searches.map((s) => s.filter.severity ?? null),
      searches.map((s) => list(s.filter.tags)),
      searches.map((s) => list(s.filter.sources)),
      searches.map((s) => s.filter.incidentsOf ?? null),
      searches.map((s) => s.filter.limit),
    ];
    return { sql, params };
  }

  /**
   * The documents matching one search, scored and best first (without its LIMIT): the one text both the single
   * statement and the batched one (manyStatement) run, so that a search's hits are the same in either. `from`
   * names what `refs` read from besides the documents (`q` for the single statement, nothing for the batch, whose
   * LATERAL subquery sees its input row).
   */
  private ranked(refs: SearchRefs, from: string, typo: string): string {
    const t = this.trigramSchema ? `"${this.trigramSchema}"` : null;
    const trgm = t ? `greatest(${t}.word_similarity(${refs.query}, d.title), ${t}.word_similarity(${refs.query}, d.tags_text))` : '0::real';
    // ts_rank_cd grows without bound; rank / (rank + 0.1) maps it onto 0–1 (0.1 → 0.5, 1 → 0.91).
    // A document found only by trigrams (a typo) scores by its similarity alone.
    return `
      SELECT id, title, type, severity, tags, source, body, metadata, updated_at,
             CASE WHEN fts > 0 THEN 0.75 * (fts / (fts + 0.1)) + 0.25 * trgm ELSE 0.9 * trgm END AS relevance,
             count(*) OVER ()::text AS total
      FROM (
        SELECT d.id, d.title, d.type, d.severity, d.tags, d.source, d.body, d.metadata, d.updated_at,
               CASE WHEN d.search @@ ${refs.tsq} THEN ts_rank_cd(d.search, ${refs.tsq}) ELSE 0 END AS fts,
               ${trgm} AS trgm
        FROM ${this.documents} d${from ? `, ${from}` : ''}
        WHERE (d.search @@ ${refs.tsq} ${typo})
          AND (${refs.type} IS NULL OR d.type = ${refs.type})
          AND (${refs.severity} IS NULL OR d.severity = ${refs.severity})
          AND (${refs.tags} IS NULL OR d.tags @> ${refs.tags})
          AND (${refs.sources} IS NULL OR d.source = ANY(${refs.sources}))
          AND (${refs.incidentsOf} IS NULL OR d.source <> 'incident' OR coalesce(d.metadata->>'alertname', d.metadata->>'incident_type') = ${refs.incidentsOf})
      ) scored
      -- The joined title and tags may pass where neither alone does; the threshold is the one of each part.
      WHERE fts > 0 OR trgm >= ${TRIGRAM_THRESHOLD}
      ORDER BY relevance DESC, updated_at DESC, id`;
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
