import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AlertAnalysis } from '@firebreak/contracts';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { AnalysisConfig } from './analysis.env';

/** An episode's analysis as stored, with its announcement's id. */
export interface AnalysisRow {
  analysis: AlertAnalysis;
  eventId: string;
}

/** A shed episode's summary as stored: its announcement's id is kept, never published; and why it is shed. */
export interface ShedRow extends AnalysisRow {
  reason: 'storm' | 'budget';
}

/** The analyses table: one row per episode. */
@Injectable()
export class AnalysesRepository {
  private readonly analyses: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CONFIG) config: AnalysisConfig,
  ) {
    this.analyses = table(config.dbSchema, 'analyses');
  }

  /** Of these episodes, the positions (in `episodes`) of those that have an analysis (full or shed) already, in one statement. */
  async existing(episodes: ReadonlyArray<{ fingerprint: string; startsAt: string }>): Promise<Set<number>> {
    if (episodes.length === 0) return new Set();
    const rows = await this.dataSource.query<Array<{ n: string }>>(
      `SELECT x.n FROM unnest($1::text[], $2::timestamptz[]) WITH ORDINALITY AS x(fingerprint, starts_at, n)
        WHERE EXISTS (SELECT 1 FROM ${this.analyses} a WHERE a.fingerprint = x.fingerprint AND a.starts_at = x.starts_at)`,
      [episodes.map((e) => e.fingerprint), episodes.map((e) => e.startsAt)],
    );
    return new Set(rows.map((row) => Number(row.n) - 1));
  }

  /**
   * Stores full analyses in one statement, each unless its episode has one already, and returns the event ids of
   * those stored. A full analysis replaces a summary (only ever that way round): a redelivery, or another announcement
   * of the episode, can be shed and commit while the episode's full analysis is still asking the model, and that
   * analysis, already paid for, is the one to keep and announce. Each episode at most once per call (one statement
   * cannot update a row twice).
   */
  async insertFull(manager: EntityManager, rows: readonly AnalysisRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const stored = rowsOf<{ event_id: string }>(
      await manager.query(
        `${insertRecords(this.analyses)}
         ON CONFLICT (fingerprint, starts_at) DO UPDATE SET
           alertname = EXCLUDED.alertname, severity = EXCLUDED.severity, engine = EXCLUDED.engine,
           fallback_reason = EXCLUDED.fallback_reason, event_id = EXCLUDED.event_id, analysis = EXCLUDED.analysis,
           analyzed_at = EXCLUDED.analyzed_at, shed_reason = NULL
         WHERE ${this.analyses}.shed_reason IS NOT NULL AND EXCLUDED.shed_reason IS NULL
         RETURNING event_id`,
        [recordsOf(rows.map((row) => ({ ...row, reason: null })))],
      ),
    );
    return new Set(stored.map((row) => row.event_id));
  }

  /**
   * Stores shed episodes' summaries in one statement (atomic without a transaction around it) and returns the event
   * ids of those stored. An episode that has a row keeps it: a summary never replaces anything (insertFull's update
   * only ever lets a full analysis replace a summary).
   */
  async insertShed(rows: readonly ShedRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const stored = rowsOf<{ event_id: string }>(
      await this.dataSource.query(`${insertRecords(this.analyses)} ON CONFLICT (fingerprint, starts_at) DO NOTHING RETURNING event_id`, [
        recordsOf(rows),
      ]),
    );
    return new Set(stored.map((row) => row.event_id));
  }

  /** The analysis of the alert's latest episode. */
  async latest(fingerprint: string): Promise<AlertAnalysis | undefined> {
    const rows = await this.dataSource.query<Array<{ analysis: AlertAnalysis }>>(
      `SELECT analysis FROM ${this.analyses} WHERE fingerprint = $1 ORDER BY starts_at DESC LIMIT 1`,
      [fingerprint],
    );
    return rows[0]?.analysis;
  }
}

/** The INSERT of analyses rows given as one JSON array ($1, see recordsOf), before its ON CONFLICT clause. */
function insertRecords(analyses: string): string {
  return `INSERT INTO ${analyses} (fingerprint, starts_at, alertname, severity, engine, fallback_reason, event_id, analysis, analyzed_at, shed_reason)
       SELECT fingerprint, starts_at, alertname, severity, engine, fallback_reason, event_id, analysis, analyzed_at, shed_reason
         FROM json_to_recordset($1::json) AS r(fingerprint text, starts_at timestamptz, alertname text, severity text, engine text,
              fallback_reason text, event_id text, analysis jsonb, analyzed_at timestamptz, shed_reason text)`;
}

/**
 * The rows as one JSON array: one encoding per batch, no per-value escaping into array literals. In key order: two
 * replicas writing the same episodes in opposite orders would otherwise wait on each other.
 */
function recordsOf(rows: ReadonlyArray<AnalysisRow & { reason: ShedRow['reason'] | null }>): string {
  const ordered = [...rows].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  return JSON.stringify(
    ordered.map(({ analysis, eventId, reason }) => ({
      fingerprint: analysis.fingerprint,
      starts_at: analysis.startsAt,
      alertname: analysis.alertname,
      severity: analysis.severity,
      engine: analysis.engine,
      fallback_reason: analysis.fallbackReason ?? null,
      event_id: eventId,
      analysis,
      analyzed_at: analysis.analyzedAt,
      shed_reason: reason,
    })),
  );
}
