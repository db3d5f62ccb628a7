import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import type { KnowledgeConfig } from '../service';
import { Episode, Run, RunbookStats } from './learning.types';

interface EpisodeRow {
  id: string;
  fingerprint: string;
  alertname: string;
  severity: string;
  signature: string | null;
  labels: Record<string, string> | null;
  annotations: Record<string, string> | null;
  fired_at: Date;
  resolved_at: Date | null;
  writeup_id: string | null;
}

interface RunRow {
  request_id: string;
  execution_id: string | null;
  runbook_id: string;
  origin: 'bus' | 'manual';
  mode: string | null;
  status: string;
  reason: string | null;
  requested_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  fixed: boolean;
  ineffective: boolean;
}

const toEpisode = (row: EpisodeRow): Episode => ({
  id: String(row.id),
  fingerprint: row.fingerprint,
  alertname: row.alertname,
  severity: row.severity,
  signature: row.signature,
  labels: row.labels,
  annotations: row.annotations,
  firedAt: new Date(row.fired_at),
  resolvedAt: row.resolved_at ? new Date(row.resolved_at) : null,
  writeupId: row.writeup_id,
});

const toRun = (row: RunRow): Run => ({
  requestId: row.request_id,
  executionId: row.execution_id,
  runbookId: row.runbook_id,
  origin: row.origin,
  mode: row.mode,
  status: row.status,
  reason: row.reason,
  requestedAt: row.requested_at ? new Date(row.requested_at) : null,
  finishedAt: row.finished_at ? new Date(row.finished_at) : null,
  durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  fixed: row.fixed,
  ineffective: row.ineffective,
});

/** Outcomes that say nothing about whether the runbook helps: nothing ran (gated, refused) or it has not ended. */
const NOT_A_RUN = `('requested', 'skipped', 'rejected')`;
/** A run counts when it was live automation or reported by people; dry runs and drills change nothing. */
const COUNTS = `(r.origin = 'manual' OR coalesce(r.mode, 'live') = 'live') AND r.status NOT IN ${NOT_A_RUN}`;
/**
 * An alert event and a run request come from the mapper on different streams; a run requested up to this
 * long before its episode's firing was recorded (stream lag) still belongs to it.
 */
const LINK_SLACK = `interval '1 minute'`;

export interface RequestedRun {
  requestId: string;
  runbookId: string;
  fingerprint: string | null;
  alertname: string | null;
  signature: string | null;
  labels: Record<string, string> | null;
  annotations: Record<string, string> | null;
  severity: string | null;
  mode: string;
  requestedAt: Date;
}

export interface RunOutcome {
  requestId: string;
  executionId: string;
  runbookId: string;
  fingerprint: string | null;
  mode: string;
  status: string;
  reason: string | null;
  /** When the execution started (a resolution before it cannot be its fix); null when not reported. */
  startedAt: Date | null;
  finishedAt: Date;
  durationMs: number | null;
}

/** Alert episodes and runbook runs; every write in the caller's transaction. */
@Injectable()
export class LearningRepository {
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
    const later: Array<{ id: string; fired_at: Date }> = await manager.query(
      `SELECT id, fired_at FROM ${this.episodes} WHERE fingerprint = $1 AND resolved_at >= $2 ORDER BY resolved_at LIMIT 1`,
      [e.fingerprint, e.at],
    );
    if (later.length) {
      if (new Date(later[0].fired_at) <= e.at) return null;
      await manager.query(`UPDATE ${this.episodes} SET fired_at = $2 WHERE id = $1`, [later[0].id, e.at]);
      return String(later[0].id);
    }
    await manager.query(
      `INSERT INTO ${this.episodes} (fingerprint, alertname, severity, fired_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (fingerprint) WHERE resolved_at IS NULL DO NOTHING`,
      [e.fingerprint, e.alertname, e.severity, e.at],
    );
    return null;
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

  /** The episode a run was put into (after settle), if any. */
  async episodeOfRun(manager: EntityManager, requestId: string): Promise<string | null> {
    const rows: Array<{ episode_id: string | null }> = await manager.query(`SELECT episode_id FROM ${this.runs} WHERE request_id = $1`, [
      requestId,
    ]);
    return rows[0]?.episode_id ? String(rows[0].episode_id) : null;
  }

  async recordRequested(manager: EntityManager, r: RequestedRun): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.runs} (request_id, runbook_id, origin, fingerprint, alertname, signature, labels, annotations, severity, mode, requested_at)
       VALUES ($1, $2, 'bus', $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (request_id) DO UPDATE SET
         fingerprint = coalesce(${this.runs}.fingerprint, EXCLUDED.fingerprint), alertname = EXCLUDED.alertname,
         signature = EXCLUDED.signature, labels = EXCLUDED.labels, annotations = EXCLUDED.annotations, severity = EXCLUDED.severity,
         requested_at = EXCLUDED.requested_at`,
      [
        r.requestId,
        r.runbookId,
        r.fingerprint,
        r.alertname,
        r.signature,
        r.labels === null ? null : JSON.stringify(r.labels),
        r.annotations === null ? null : JSON.stringify(r.annotations),
        r.severity,
        r.mode,
        r.requestedAt,
      ],
    );
  }

  /**
   * An execution's end. `ineffective` (the executor's verification: still firing after its verify window)
   * is final: a late or repeated `succeeded` of the same run does not undo it.
   */
  async recordOutcome(manager: EntityManager, o: RunOutcome): Promise<void> {
    const ineffective = o.status === 'ineffective';
    await manager.query(
      `INSERT INTO ${this.runs} (request_id, execution_id, runbook_id, origin, fingerprint, mode, status, reason, finished_at, duration_ms, ineffective, requested_at, started_at)
       VALUES ($1, $2, $3, 'bus', $4, $5, $6, $7, $8, $9, $10, NULL, $11)
       ON CONFLICT (request_id) DO UPDATE SET
         execution_id = EXCLUDED.execution_id,
         fingerprint = coalesce(${this.runs}.fingerprint, EXCLUDED.fingerprint),
         mode = EXCLUDED.mode,
         status = CASE WHEN ${this.runs}.ineffective THEN ${this.runs}.status ELSE EXCLUDED.status END,
         reason = CASE WHEN ${this.runs}.ineffective THEN ${this.runs}.reason ELSE EXCLUDED.reason END,
         finished_at = CASE WHEN ${this.runs}.ineffective THEN ${this.runs}.finished_at ELSE EXCLUDED.finished_at END,
         duration_ms = coalesce(EXCLUDED.duration_ms, ${this.runs}.duration_ms),
         started_at = coalesce(${this.runs}.started_at, EXCLUDED.started_at),
         ineffective = ${this.runs}.ineffective OR EXCLUDED.ineffective`,
      [
        o.requestId,
        o.executionId,
        o.runbookId,
        o.fingerprint,
        o.mode,
        o.status,
        o.reason,
        o.finishedAt,
        o.durationMs,
        ineffective,
        o.startedAt,
      ],
    );
  }

  /**
   * Puts one alert's runs into the resolved episodes they happened in, fills an episode's labels from its
   * runs (alert state events carry none), and decides `fixed` for each: a live run that succeeded, was not
   * found ineffective, and whose alert resolved after it started and at most `windowMs` after it finished. Idempotent: any event
   * order ends in the same rows. Returns the resolved episodes of this alert that ran automation.
   */
  async settle(manager: EntityManager, fingerprint: string, windowMs: number): Promise<Episode[]> {
    await manager.query(
      `UPDATE ${this.runs} r SET episode_id = (
         SELECT e.id FROM ${this.episodes} e
         WHERE e.fingerprint = r.fingerprint AND e.resolved_at IS NOT NULL
           AND coalesce(r.requested_at, r.finished_at) BETWEEN e.fired_at - ${LINK_SLACK} AND e.resolved_at
         ORDER BY e.fired_at DESC LIMIT 1)
       WHERE r.fingerprint = $1 AND r.episode_id IS NULL AND r.origin = 'bus'`,
      [fingerprint],
    );
    await manager.query(
      `UPDATE ${this.episodes} e SET labels = r.labels, annotations = r.annotations, signature = r.signature
       FROM (SELECT DISTINCT ON (episode_id) episode_id, labels, annotations, signature FROM ${this.runs}
             WHERE fingerprint = $1 AND labels IS NOT NULL AND episode_id IS NOT NULL ORDER BY episode_id, requested_at) r
       WHERE e.id = r.episode_id AND e.labels IS NULL`,
      [fingerprint],
    );
    await manager.query(
      `UPDATE ${this.runs} r SET fixed = (r.status = 'succeeded' AND NOT r.ineffective AND coalesce(r.mode, 'live') = 'live'
           AND r.finished_at IS NOT NULL AND e.resolved_at <= r.finished_at + make_interval(secs => $2::double precision / 1000)
           -- An alert that resolved before the run started resolved on its own.
           AND e.resolved_at >= coalesce(r.started_at, r.requested_at, r.finished_at)),
         alertname = coalesce(r.alertname, e.alertname)
       FROM ${this.episodes} e
       WHERE r.episode_id = e.id AND e.fingerprint = $1 AND e.resolved_at IS NOT NULL`,
      [fingerprint, windowMs],
    );
    const rows: EpisodeRow[] = await manager.query(
      `SELECT e.* FROM ${this.episodes} e WHERE e.fingerprint = $1 AND e.resolved_at IS NOT NULL
         AND EXISTS (SELECT 1 FROM ${this.runs} r WHERE r.episode_id = e.id)
       ORDER BY e.fired_at`,
      [fingerprint],
    );
    return rows.map(toEpisode);
  }

  async runsOf(manager: EntityManager, episodeId: string): Promise<Run[]> {
    const rows: RunRow[] = await manager.query(
      `SELECT * FROM ${this.runs} WHERE episode_id = $1 ORDER BY coalesce(requested_at, finished_at), request_id`,
      [episodeId],
    );
    return rows.map(toRun);
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

  /** A run's labels by request (when its alert's episode has none yet, e.g. for recommendations by fingerprint). */
  async labelsOfFingerprint(fingerprint: string): Promise<{ alertname: string | null; labels: Record<string, string> | null } | undefined> {
    const rows: Array<{ alertname: string | null; labels: Record<string, string> | null }> = await this.dataSource.query(
      `SELECT alertname, labels FROM ${this.runs} WHERE fingerprint = $1 AND labels IS NOT NULL ORDER BY requested_at DESC LIMIT 1`,
      [fingerprint],
    );
    return rows[0];
  }

  /** A run reported by people; a repeated report (same id) changes nothing. */
  async recordManual(
    manager: EntityManager,
    r: {
      requestId: string;
      runbookId: string;
      alertname: string;
      signature: string;
      labels: Record<string, string>;
      success: boolean;
      durationMs: number | null;
      diagnosis: string | null;
      at: Date;
    },
  ): Promise<boolean> {
    const rows = rowsOf(
      await manager.query(
        `INSERT INTO ${this.runs} (request_id, runbook_id, origin, alertname, signature, labels, mode, requested_at, finished_at, duration_ms, status, fixed, reason)
         VALUES ($1, $2, 'manual', $3, $4, $5, 'live', $6, $6, $7, $8, $9, $10) ON CONFLICT (request_id) DO NOTHING RETURNING request_id`,
        [
          r.requestId,
          r.runbookId,
          r.alertname,
          r.signature,
          JSON.stringify(r.labels),
          r.at,
          r.durationMs,
          r.success ? 'succeeded' : 'failed',
          r.success,
          r.diagnosis,
        ],
      ),
    );
    return rows.length > 0;
  }

  /** Per runbook, for one alertname (and one label signature when given). */
  async stats(alertname: string, signature?: string): Promise<RunbookStats[]> {
    const rows: Array<{
      runbook_id: string;
      runs: string;
      succeeded: string;
      fixed: string;
      median_resolve_ms: number | null;
      avg_duration_ms: number | null;
      last_seen: Date | null;
    }> = await this.dataSource.query(
      `SELECT r.runbook_id, count(*)::text AS runs,
              count(*) FILTER (WHERE r.status = 'succeeded' OR r.ineffective)::text AS succeeded,
              count(*) FILTER (WHERE r.fixed)::text AS fixed,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN r.fixed THEN
                coalesce(extract(epoch FROM e.resolved_at - e.fired_at) * 1000, r.duration_ms) END) AS median_resolve_ms,
              avg(r.duration_ms) AS avg_duration_ms,
              max(coalesce(r.finished_at, r.requested_at)) AS last_seen
       FROM ${this.runs} r LEFT JOIN ${this.episodes} e ON e.id = r.episode_id
       WHERE r.alertname = $1 AND ($2::text IS NULL OR r.signature = $2) AND ${COUNTS}
       GROUP BY r.runbook_id`,
      [alertname, signature ?? null],
    );
    return rows.map((row) => ({
      runbookId: row.runbook_id,
      runs: Number(row.runs),
      succeeded: Number(row.succeeded),
      fixed: Number(row.fixed),
      medianResolveMs: row.median_resolve_ms === null ? null : Number(row.median_resolve_ms),
      avgDurationMs: row.avg_duration_ms === null ? null : Number(row.avg_duration_ms),
      lastSeen: row.last_seen ? new Date(row.last_seen) : null,
    }));
  }

  /** Labels of the alerts each runbook fixed (newest 50 per runbook), for label overlap. */
  async fixedLabels(alertname: string): Promise<Map<string, Array<Record<string, string>>>> {
    const rows: Array<{ runbook_id: string; labels: Record<string, string> }> = await this.dataSource.query(
      `SELECT runbook_id, labels FROM (
         SELECT runbook_id, labels, row_number() OVER (PARTITION BY runbook_id ORDER BY finished_at DESC) AS n
         FROM ${this.runs} WHERE alertname = $1 AND fixed AND labels IS NOT NULL) t
       WHERE n <= 50`,
      [alertname],
    );
    const out = new Map<string, Array<Record<string, string>>>();
    for (const row of rows) out.set(row.runbook_id, [...(out.get(row.runbook_id) ?? []), row.labels]);
    return out;
  }

  /** Fixed / counted runs of one runbook over everything learnt (for the success-rate gauge). */
  async runbookTotals(runbookId: string, manager: EntityManager): Promise<{ runs: number; fixed: number }> {
    const [row]: Array<{ runs: string; fixed: string }> = await manager.query(
      `SELECT count(*)::text AS runs, count(*) FILTER (WHERE r.fixed)::text AS fixed FROM ${this.runs} r WHERE r.runbook_id = $1 AND ${COUNTS}`,
      [runbookId],
    );
    return { runs: Number(row.runs), fixed: Number(row.fixed) };
  }

  /** Everything the patterns view needs, grouped in SQL. */
  async patternRows() {
    const byAlert: Array<{
      alertname: string;
      episodes: string;
      manual: string;
      avg_resolve_ms: number | null;
      runs: string;
      fixed: string;
    }> = await this.dataSource.query(
      `WITH ep AS (SELECT alertname, count(*) AS episodes, avg(extract(epoch FROM resolved_at - fired_at) * 1000) FILTER (WHERE resolved_at > fired_at) AS avg_ms
                   FROM ${this.episodes} GROUP BY alertname),
            man AS (SELECT alertname, count(DISTINCT split_part(request_id, '#', 1)) AS reports, avg(duration_ms) AS avg_ms
                    FROM ${this.runs} WHERE origin = 'manual' GROUP BY alertname),
            rn AS (SELECT r.alertname, count(*) AS runs, count(*) FILTER (WHERE r.fixed) AS fixed FROM ${this.runs} r WHERE ${COUNTS} GROUP BY r.alertname)
       SELECT coalesce(ep.alertname, man.alertname, rn.alertname) AS alertname,
              coalesce(ep.episodes, 0)::text AS episodes, coalesce(man.reports, 0)::text AS manual,
              coalesce(ep.avg_ms, man.avg_ms) AS avg_resolve_ms,
              coalesce(rn.runs, 0)::text AS runs, coalesce(rn.fixed, 0)::text AS fixed
       FROM ep FULL JOIN man ON man.alertname = ep.alertname FULL JOIN rn ON rn.alertname = coalesce(ep.alertname, man.alertname)
       ORDER BY coalesce(ep.episodes, 0) + coalesce(man.reports, 0) DESC, 1 LIMIT 200`,
    );
    const solutions: Array<{ alertname: string; runbook_id: string; fixed: string }> = await this.dataSource.query(
      `SELECT r.alertname, r.runbook_id, count(*) FILTER (WHERE r.fixed)::text AS fixed FROM ${this.runs} r
       WHERE r.alertname IS NOT NULL AND ${COUNTS} GROUP BY 1, 2 HAVING count(*) FILTER (WHERE r.fixed) > 0 ORDER BY count(*) FILTER (WHERE r.fixed) DESC, 2`,
    );
    const triggers: Array<{ alertname: string; pair: string; n: string }> = await this.dataSource.query(
      `SELECT alertname, pair, count(*)::text AS n FROM (
         SELECT e.alertname, kv.key || '="' || kv.value || '"' AS pair FROM ${this.episodes} e, jsonb_each_text(coalesce(e.labels, '{}')) kv
         WHERE kv.key NOT IN ('alertname', 'instance', 'pod', 'severity')
         UNION ALL
         -- A report's diagnosis is stored once, on its first resolution's row (…#0), one entry per line.
         SELECT alertname, d FROM ${this.runs}, unnest(string_to_array(reason, E'\\n')) d
         WHERE origin = 'manual' AND request_id LIKE '%#0' AND reason IS NOT NULL) t
       GROUP BY 1, 2 ORDER BY count(*) DESC, 2`,
    );
    const effectiveness: Array<{ runbook_id: string; runs: string; fixed: string; avg_ms: number | null }> = await this.dataSource.query(
      `SELECT r.runbook_id, count(*)::text AS runs, count(*) FILTER (WHERE r.fixed)::text AS fixed, avg(r.duration_ms) AS avg_ms
       FROM ${this.runs} r WHERE ${COUNTS} GROUP BY 1 ORDER BY 1 LIMIT 500`,
    );
    return { byAlert, solutions, triggers, effectiveness };
  }
}
