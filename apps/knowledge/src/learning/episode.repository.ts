import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import type { KnowledgeConfig } from '../service';
import { Episode } from './learning.types';
import { EpisodeRow, toEpisode } from './learning.rows';

/** One alert state change as an episode sees it. */
export interface EpisodeChange {
  fingerprint: string;
  alertname: string;
  severity: string;
  at: Date;
}

// Arrays, not JSON: each value reaches Postgres as a lone parameter would (text as UTF-8, a Date as node-postgres writes it).
const CHANGES = `SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS x(fingerprint, alertname, severity, at)`;

function changeColumns(changes: readonly EpisodeChange[]): [string[], string[], string[], Date[]] {
  return [changes.map((c) => c.fingerprint), changes.map((c) => c.alertname), changes.map((c) => c.severity), changes.map((c) => c.at)];
}

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
   * Serialises the handlers of many alerts (a batch) with one statement. The locks are taken in the order of
   * their keys, so two batches that share an alert (or a hash) never wait on each other in a cycle.
   */
  lockFingerprints(manager: EntityManager, fingerprints: readonly string[]): Promise<void> {
    return lockAlertLearning(manager, fingerprints);
  }

  /**
   * Opens an episode for each firing unless one is open already (a repeated firing, a redelivery). A firing
   * older than a resolution already recorded (handled late) is not a new episode: it is the true start of the
   * first episode resolved after it, whose start was only guessed (see closeEpisodes). One statement for all;
   * every fingerprint appears once (one statement sees one snapshot, so a second event of an alert must wait for
   * the next). Returns the episodes whose start was moved, by fingerprint.
   */
  async openEpisodes(manager: EntityManager, firings: readonly EpisodeChange[]): Promise<Map<string, string>> {
    if (firings.length === 0) return new Map();
    const moved: Array<{ fingerprint: string; id: string }> = await manager.query(
      `WITH x AS (${CHANGES}), later AS (
         SELECT DISTINCT ON (x.fingerprint) x.fingerprint, x.at, e.id, e.fired_at
           FROM x JOIN ${this.episodes} e ON e.fingerprint = x.fingerprint AND e.resolved_at >= x.at
          ORDER BY x.fingerprint, e.resolved_at
       ), moved AS (
         UPDATE ${this.episodes} e SET fired_at = later.at FROM later
          WHERE e.id = later.id AND later.fired_at > later.at RETURNING e.fingerprint, e.id
       ), opened AS (
         INSERT INTO ${this.episodes} (fingerprint, alertname, severity, fired_at)
         SELECT x.fingerprint, x.alertname, x.severity, x.at FROM x
          WHERE NOT EXISTS (SELECT 1 FROM later WHERE later.fingerprint = x.fingerprint)
         ON CONFLICT (fingerprint) WHERE resolved_at IS NULL DO NOTHING
       )
       SELECT fingerprint, id FROM moved`,
      changeColumns(firings),
    );
    return new Map(moved.map((row) => [row.fingerprint, String(row.id)]));
  }

  /**
   * Closes, for each resolution, the open episode that fired before it. With none (this service started after
   * the alert fired, or the firing is still being handled) the resolution is still recorded, as an episode
   * starting at the earliest run waiting for it (or at the resolution itself): what ran is learnt, and the late
   * firing is recognised as stale by openEpisodes. A resolution already recorded (a repeat) changes nothing.
   * One statement, each fingerprint once; returns the episode each resolution closed or recorded (none: a repeat).
   */
  async closeEpisodes(manager: EntityManager, resolutions: readonly EpisodeChange[]): Promise<Map<string, string>> {
    if (resolutions.length === 0) return new Map();
    const touched: Array<{ fingerprint: string; id: string }> = await manager.query(
      `WITH x AS (${CHANGES}), closed AS (
         UPDATE ${this.episodes} e SET resolved_at = x.at FROM x
          WHERE e.fingerprint = x.fingerprint AND e.resolved_at IS NULL AND e.fired_at <= x.at RETURNING e.fingerprint, e.id
       ), recorded AS (
         INSERT INTO ${this.episodes} (fingerprint, alertname, severity, fired_at, resolved_at)
         SELECT x.fingerprint, x.alertname, x.severity,
                least(x.at, coalesce((SELECT min(r.requested_at) FROM ${this.runs} r
                                       WHERE r.fingerprint = x.fingerprint AND r.episode_id IS NULL AND r.origin = 'bus' AND r.requested_at <= x.at), x.at)),
                x.at
           FROM x
          WHERE NOT EXISTS (SELECT 1 FROM closed WHERE closed.fingerprint = x.fingerprint)
            AND NOT EXISTS (SELECT 1 FROM ${this.episodes} e WHERE e.fingerprint = x.fingerprint AND e.resolved_at = x.at)
         RETURNING fingerprint, id
       )
       SELECT fingerprint, id FROM closed UNION ALL SELECT fingerprint, id FROM recorded`,
      changeColumns(resolutions),
    );
    return new Map(touched.map((row) => [row.fingerprint, String(row.id)]));
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

/**
 * Takes the learning locks of many alerts in one statement, in the order of their keys: every transaction that holds
 * more than one (a batch, a restore) takes them this way, so none waits on another in a cycle.
 */
export async function lockAlertLearning(manager: EntityManager, fingerprints: readonly string[]): Promise<void> {
  if (fingerprints.length === 0) return;
  await manager.query(
    `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtext('knowledge:' || f) AS k FROM unnest($1::text[]) AS f ORDER BY k) keys`,
    [fingerprints],
  );
}
