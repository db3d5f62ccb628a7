import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, table } from '@firebreak/platform';
import type { KnowledgeConfig } from '../service';
import { RunbookStats } from './learning.types';
import { COUNTS } from './learning.rows';

/** The learnt numbers: per-runbook statistics, fixed labels and the patterns view, read from episodes and runs. */
@Injectable()
export class LearningStatsRepository {
  private readonly episodes: string;
  private readonly runs: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: KnowledgeConfig,
  ) {
    this.episodes = table(config.dbSchema, 'alert_episodes');
    this.runs = table(config.dbSchema, 'runbook_runs');
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
