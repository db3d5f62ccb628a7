import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import type { KnowledgeConfig } from '../service';
import { Episode } from './learning.types';
import { EpisodeRow, toEpisode } from './learning.rows';

/** Alert episodes: opened and closed from alert state events, and their write-ups; every write in the caller's transaction. */
@Injectable()
export class EpisodeRepository {
  private readonly episodes: string;
  private readonly runs: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: KnowledgeConfig,
  ) {
    this.episodes = table(config.dbSchema, 'alert_episodes');
    this.runs = table(config.dbSchema, 'runbook_runs');
  }

  /** Serialises the handlers of one alert: its episode, runs and write-up change together. */
  async lockFingerprint(manager: EntityManager, fingerprint: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`knowledge:${fingerprint}`]);
  }

  /**
   * Opens an episode unless one is open already (a repeated firing, a redelivery). A firing older than a
   * resolution already recorded (handled late) is not a new episode: it is the true start of the first
   * episode resolved after it, whose start was only guessed (see closeEpisode).
   */
  async openEpisode(
    manager: EntityManager,
    e: { fingerprint: string; alertname: string; severity: string; at: Date },
  ): Promise<string | null> {
    // One statement (it runs for every new alert): the later resolution's episode is moved, or a new one opened.
    const moved: Array<{ id: string }> = await manager.query(
      `WITH later AS (
         SELECT id, fired_at FROM ${this.episodes} WHERE fingerprint = $1 AND resolved_at >= $2 ORDER BY resolved_at LIMIT 1
       ), moved AS (
         UPDATE ${this.episodes} e SET fired_at = $2 FROM later WHERE e.id = later.id AND later.fired_at > $2 RETURNING e.id
       ), opened AS (
         INSERT INTO ${this.episodes} (fingerprint, alertname, severity, fired_at)
         SELECT $1, $3, $4, $2 WHERE NOT EXISTS (SELECT 1 FROM later)
         ON CONFLICT (fingerprint) WHERE resolved_at IS NULL DO NOTHING
       )
       SELECT id FROM moved`,
      [e.fingerprint, e.at, e.alertname, e.severity],
    );
    return moved[0] ? String(moved[0].id) : null;
  }

  /**
   * Closes the open episode that fired before `at`. With none (this service started after the alert fired,
   * or the firing is still being handled) the resolution is still recorded, as an episode starting at the
   * earliest run waiting for it (or at the resolution itself): what ran is learnt, and the late firing is
   * recognised as stale by openEpisode.
   */
  async closeEpisode(
    manager: EntityManager,
    e: { fingerprint: string; alertname: string; severity: string; at: Date },
  ): Promise<string | null> {
    const closed: Array<{ id: string }> = rowsOf(
      await manager.query(
        `UPDATE ${this.episodes} SET resolved_at = $2 WHERE fingerprint = $1 AND resolved_at IS NULL AND fired_at <= $2 RETURNING id`,
        [e.fingerprint, e.at],
      ),
    );
    if (closed.length) return String(closed[0].id);
    const repeated: Array<{ id: string }> = await manager.query(
      `SELECT id FROM ${this.episodes} WHERE fingerprint = $1 AND resolved_at = $2`,
      [e.fingerprint, e.at],
    );
    if (repeated.length) return null;
    const inserted: Array<{ id: string }> = await manager.query(
      `INSERT INTO ${this.episodes} (fingerprint, alertname, severity, fired_at, resolved_at)
       SELECT $1, $2, $3, least($4, coalesce(min(requested_at), $4)), $4 FROM ${this.runs}
       WHERE fingerprint = $1 AND episode_id IS NULL AND origin = 'bus' AND requested_at <= $4
       RETURNING id`,
      [e.fingerprint, e.alertname, e.severity, e.at],
    );
    return inserted[0] ? String(inserted[0].id) : null;
  }

  async setWriteup(manager: EntityManager, episodeId: string, documentId: string): Promise<void> {
    await manager.query(`UPDATE ${this.episodes} SET writeup_id = $2 WHERE id = $1`, [episodeId, documentId]);
  }

  /** Past episodes of `alertname` that have a write-up, newest first, other than `exceptId`. */
  async writeups(
    alertname: string,
    limit: number,
    exceptId?: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Episode[]> {
    const rows: EpisodeRow[] = await manager.query(
      `SELECT * FROM ${this.episodes} WHERE alertname = $1 AND writeup_id IS NOT NULL AND ($2::bigint IS NULL OR id <> $2)
       ORDER BY resolved_at DESC NULLS LAST LIMIT $3`,
      [alertname, exceptId ?? null, limit],
    );
    return rows.map(toEpisode);
  }

  async episodeOf(fingerprint: string): Promise<Episode | undefined> {
    const rows: EpisodeRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.episodes} WHERE fingerprint = $1 ORDER BY (resolved_at IS NULL) DESC, fired_at DESC LIMIT 1`,
      [fingerprint],
    );
    return rows[0] ? toEpisode(rows[0]) : undefined;
  }
}
