import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, CONFIG, rowsOf, table } from '@firebreak/platform';
import type { KnowledgeConfig } from '../service';
import { lockAlertLearning } from './episode.repository';

/**
 * An episode as a backup holds it: every column, its row id included. The id is the episode's identity: its
 * write-up is `incident-<fingerprint>-<id>` and its start (`fired_at`) can move back when a late firing arrives,
 * so (fingerprint, fired_at) is no identity. Rows without an id (older snapshots) are matched by (fingerprint, fired_at).
 */
export type EpisodeRecord = Record<string, unknown> & { id?: number; fingerprint: string; fired_at: string };
/** A run as a backup holds it: every column, its episode named by id (and fingerprint, fired_at) instead of `episode_id`. */
export type RunRecord = Record<string, unknown> & {
  request_id: string;
  episode: { id?: number; fingerprint: string; fired_at: string } | null;
};

/**
 * What was learnt (alert episodes and runbook runs) as rows a backup can hold and put back. Rows are copied
 * column for column by Postgres (`to_jsonb`, `jsonb_populate_recordset`), so a column added later travels too.
 * Import adds what is missing only: an episode whose id exists (for a row without id: whose fingerprint and
 * fired_at exist) and a run whose request id exists are left as they are, so importing twice adds nothing.
 * Restored episodes keep their ids and the id sequence is moved past them first, so an episode opened later
 * never reuses a restored id (nor overwrites the write-up named after it).
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
      `SELECT to_jsonb(e) AS row FROM ${this.episodes} e ORDER BY e.id`,
    );
    const runs: Array<{ row: RunRecord }> = await this.dataSource.query(
      `SELECT (to_jsonb(r) - 'episode_id') || jsonb_build_object('episode',
                CASE WHEN e.id IS NULL THEN NULL ELSE jsonb_build_object('id', e.id, 'fingerprint', e.fingerprint, 'fired_at', e.fired_at) END) AS row
         FROM ${this.runs} r LEFT JOIN ${this.episodes} e ON e.id = r.episode_id ORDER BY r.request_id`,
    );
    return { episodes: episodes.map((r) => r.row), runs: runs.map((r) => r.row) };
  }

  /** Episodes first (runs find theirs by fingerprint and fired_at). Each alert's learning lock is taken, as live learning does. */
  async import(manager: EntityManager, episodes: EpisodeRecord[], runs: RunRecord[]): Promise<{ episodes: number; runs: number }> {
    const fingerprints = [
      ...new Set([...episodes.map((e) => e.fingerprint), ...runs.flatMap((r) => (r.fingerprint ? [String(r.fingerprint)] : []))]),
    ];
    // In the order live batches take them (a restore locking in name order deadlocked with a batch).
    await lockAlertLearning(manager, fingerprints);
    const addedEpisodes: unknown[] = episodes.length ? await this.importEpisodes(manager, episodes) : [];
    const addedRuns: unknown[] = runs.length
      ? await manager.query(
          `INSERT INTO ${this.runs}
           SELECT (jsonb_populate_record(NULL::${this.runs}, j - 'episode' || jsonb_build_object('episode_id',
                    coalesce(
                      (SELECT e.id FROM ${this.episodes} e
                        WHERE e.id = (j->'episode'->>'id')::bigint AND e.fingerprint = j->'episode'->>'fingerprint'),
                      (SELECT e.id FROM ${this.episodes} e
                        WHERE j->'episode'->'id' IS NULL AND e.fingerprint = j->'episode'->>'fingerprint'
                          AND e.fired_at = (j->'episode'->>'fired_at')::timestamptz LIMIT 1))))).*
             FROM jsonb_array_elements($1::jsonb) j
           ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
          [JSON.stringify(runs)],
        )
      : [];
    return { episodes: rowsOf(addedEpisodes).length, runs: rowsOf(addedRuns).length };
  }

  private async importEpisodes(manager: EntityManager, episodes: EpisodeRecord[]): Promise<unknown[]> {
    const rows = JSON.stringify(episodes);
    const [clash]: Array<{ id: string; fingerprint: string }> = await manager.query(
      `SELECT e.id, e.fingerprint FROM jsonb_populate_recordset(NULL::${this.episodes}, $1::jsonb) r
         JOIN ${this.episodes} e ON e.id = r.id WHERE e.fingerprint <> r.fingerprint LIMIT 1`,
      [rows],
    );
    if (clash)
      throw new AppError(
        'conflict',
        `episode ${clash.id} here is of another alert (${clash.fingerprint}): this snapshot was not taken from this installation's history`,
        409,
      );
    // First the sequence past every incoming id: an episode opened while this runs gets an id no restored row has.
    await manager.query(
      `SELECT setval(s.seq, m.max_id) FROM (SELECT pg_get_serial_sequence($2, 'id') AS seq) s,
              (SELECT max(r.id) AS max_id FROM jsonb_populate_recordset(NULL::${this.episodes}, $1::jsonb) r) m
        WHERE m.max_id IS NOT NULL AND m.max_id > coalesce(pg_sequence_last_value(s.seq::regclass), 0)`,
      [rows, this.episodes],
    );
    return manager.query(
      `INSERT INTO ${this.episodes} (id, fingerprint, alertname, severity, signature, labels, annotations, fired_at, resolved_at, writeup_id)
       SELECT coalesce(r.id, nextval(pg_get_serial_sequence($2, 'id'))), r.fingerprint, r.alertname, r.severity, r.signature, r.labels,
              r.annotations, r.fired_at, r.resolved_at, r.writeup_id
         FROM (SELECT DISTINCT ON (r.id, r.fingerprint, r.fired_at) r.* FROM jsonb_populate_recordset(NULL::${this.episodes}, $1::jsonb) r) r
        WHERE CASE WHEN r.id IS NOT NULL THEN NOT EXISTS (SELECT 1 FROM ${this.episodes} e WHERE e.id = r.id)
                   ELSE NOT EXISTS (SELECT 1 FROM ${this.episodes} e WHERE e.fingerprint = r.fingerprint AND e.fired_at = r.fired_at) END
       ON CONFLICT DO NOTHING RETURNING id`,
      [rows, this.episodes],
    );
  }
}
