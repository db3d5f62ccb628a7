import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import type { KnowledgeConfig } from '../service';

/** An episode as a backup holds it: every column but the generated id; (fingerprint, fired_at) identifies it. */
export type EpisodeRecord = Record<string, unknown> & { fingerprint: string; fired_at: string };
/** A run as a backup holds it: every column, its episode named by (fingerprint, fired_at) instead of a row id. */
export type RunRecord = Record<string, unknown> & { request_id: string; episode: { fingerprint: string; fired_at: string } | null };

/**
 * What was learnt (alert episodes and runbook runs) as rows a backup can hold and put back. Rows are copied
 * column for column by Postgres (`to_jsonb`, `jsonb_populate_recordset`), so a column added later travels too.
 * Import adds what is missing only: an episode whose (fingerprint, fired_at) exists and a run whose request id
 * exists are left as they are, so importing twice adds nothing.
 */
@Injectable()
export class LearningBackupRepository {
  private readonly episodes: string;
  private readonly runs: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: KnowledgeConfig,
  ) {
    this.episodes = table(config.dbSchema, 'alert_episodes');
    this.runs = table(config.dbSchema, 'runbook_runs');
  }

  async export(): Promise<{ episodes: EpisodeRecord[]; runs: RunRecord[] }> {
    const episodes: Array<{ row: EpisodeRecord }> = await this.dataSource.query(
      `SELECT to_jsonb(e) - 'id' AS row FROM ${this.episodes} e ORDER BY e.fingerprint, e.fired_at`,
    );
    const runs: Array<{ row: RunRecord }> = await this.dataSource.query(
      `SELECT (to_jsonb(r) - 'episode_id') || jsonb_build_object('episode',
                CASE WHEN e.id IS NULL THEN NULL ELSE jsonb_build_object('fingerprint', e.fingerprint, 'fired_at', e.fired_at) END) AS row
         FROM ${this.runs} r LEFT JOIN ${this.episodes} e ON e.id = r.episode_id ORDER BY r.request_id`,
    );
    return { episodes: episodes.map((r) => r.row), runs: runs.map((r) => r.row) };
  }

  /** Episodes first (runs find theirs by fingerprint and fired_at). Each alert's learning lock is taken, as live learning does. */
  async import(manager: EntityManager, episodes: EpisodeRecord[], runs: RunRecord[]): Promise<{ episodes: number; runs: number }> {
    const fingerprints = [
      ...new Set([...episodes.map((e) => e.fingerprint), ...runs.flatMap((r) => (r.fingerprint ? [String(r.fingerprint)] : []))]),
    ].sort();
    for (const fingerprint of fingerprints) await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`knowledge:${fingerprint}`]);
    const addedEpisodes: unknown[] = episodes.length
      ? await manager.query(
          `INSERT INTO ${this.episodes} (fingerprint, alertname, severity, signature, labels, annotations, fired_at, resolved_at, writeup_id)
           SELECT DISTINCT ON (r.fingerprint, r.fired_at) r.fingerprint, r.alertname, r.severity, r.signature, r.labels, r.annotations,
                  r.fired_at, r.resolved_at, r.writeup_id
             FROM jsonb_populate_recordset(NULL::${this.episodes}, $1::jsonb) r
            WHERE NOT EXISTS (SELECT 1 FROM ${this.episodes} e WHERE e.fingerprint = r.fingerprint AND e.fired_at = r.fired_at)
           ON CONFLICT DO NOTHING RETURNING id`,
          [JSON.stringify(episodes)],
        )
      : [];
    const addedRuns: unknown[] = runs.length
      ? await manager.query(
          `INSERT INTO ${this.runs}
           SELECT (jsonb_populate_record(NULL::${this.runs}, j - 'episode' || jsonb_build_object('episode_id',
                    (SELECT e.id FROM ${this.episodes} e
                      WHERE e.fingerprint = j->'episode'->>'fingerprint' AND e.fired_at = (j->'episode'->>'fired_at')::timestamptz LIMIT 1)))).*
             FROM jsonb_array_elements($1::jsonb) j
           ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
          [JSON.stringify(runs)],
        )
      : [];
    return { episodes: rowsOf(addedEpisodes).length, runs: rowsOf(addedRuns).length };
  }
}
