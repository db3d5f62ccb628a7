import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import type { KnowledgeConfig } from '../service';
import { Episode, Run } from './learning.types';
import { EpisodeRow, RunRow, toEpisode, toRun } from './learning.rows';

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

/** Runbook runs (from the bus and reported by people) and their linking to episodes; every write in the caller's transaction. */
@Injectable()
export class RunRepository {
  private readonly episodes: string;
  private readonly runs: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: KnowledgeConfig,
  ) {
    this.episodes = table(config.dbSchema, 'alert_episodes');
    this.runs = table(config.dbSchema, 'runbook_runs');
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

  /** The episode a run was put into (after settle), if any. */
  async episodeOfRun(manager: EntityManager, requestId: string): Promise<string | null> {
    const rows: Array<{ episode_id: string | null }> = await manager.query(`SELECT episode_id FROM ${this.runs} WHERE request_id = $1`, [
      requestId,
    ]);
    return rows[0]?.episode_id ? String(rows[0].episode_id) : null;
  }

  async runsOf(manager: EntityManager, episodeId: string): Promise<Run[]> {
    const rows: RunRow[] = await manager.query(
      `SELECT * FROM ${this.runs} WHERE episode_id = $1 ORDER BY coalesce(requested_at, finished_at), request_id`,
      [episodeId],
    );
    return rows.map(toRun);
  }

  /** A run's labels by request (when its alert's episode has none yet, e.g. for recommendations by fingerprint). */
  async labelsOfFingerprint(fingerprint: string): Promise<{ alertname: string | null; labels: Record<string, string> | null } | undefined> {
    const rows: Array<{ alertname: string | null; labels: Record<string, string> | null }> = await this.dataSource.query(
      `SELECT alertname, labels FROM ${this.runs} WHERE fingerprint = $1 AND labels IS NOT NULL ORDER BY requested_at DESC LIMIT 1`,
      [fingerprint],
    );
    return rows[0];
  }
}
