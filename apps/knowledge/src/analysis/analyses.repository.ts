import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AlertAnalysis } from '@firebreak/contracts';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { AnalysisConfig } from './analysis.env';

/** A shed episode's summary as stored: the analysis, its announcement's id (kept, never published) and why it is shed. */
export interface ShedRow {
  analysis: AlertAnalysis;
  eventId: string;
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

  async exists(fingerprint: string, startsAt: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(`SELECT 1 FROM ${this.analyses} WHERE fingerprint = $1 AND starts_at = $2`, [
      fingerprint,
      startsAt,
    ]);
    return rows.length > 0;
  }

  /**
   * Stores the episode's analysis unless one is stored already; true when this call stored it. `shed`: why not in
   * full. A full analysis replaces a summary (only ever that way round): a redelivery, or another announcement of
   * the episode, can be shed and commit while the episode's full analysis is still asking the model, and that
   * analysis, already paid for, is the one to keep and announce.
   */
  async insert(manager: EntityManager, analysis: AlertAnalysis, eventId: string, shed: 'storm' | 'budget' | null = null): Promise<boolean> {
    const rows = rowsOf(
      await manager.query(
        `INSERT INTO ${this.analyses} (fingerprint, starts_at, alertname, severity, engine, fallback_reason, event_id, analysis, analyzed_at, shed_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (fingerprint, starts_at) DO UPDATE SET
           alertname = EXCLUDED.alertname, severity = EXCLUDED.severity, engine = EXCLUDED.engine,
           fallback_reason = EXCLUDED.fallback_reason, event_id = EXCLUDED.event_id, analysis = EXCLUDED.analysis,
           analyzed_at = EXCLUDED.analyzed_at, shed_reason = NULL
         WHERE ${this.analyses}.shed_reason IS NOT NULL AND EXCLUDED.shed_reason IS NULL
         RETURNING fingerprint`,
        [
          analysis.fingerprint,
          analysis.startsAt,
          analysis.alertname,
          analysis.severity,
          analysis.engine,
          analysis.fallbackReason ?? null,
          eventId,
          JSON.stringify(analysis),
          analysis.analyzedAt,
          shed,
        ],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Stores shed episodes' summaries in one statement (atomic without a transaction around it) and returns the event
   * ids of those stored. An episode that has a row keeps it: a summary never replaces anything (insert's update only
   * ever lets a full analysis replace a summary). The rows go in as one JSON array: one encoding per batch, no
   * per-value escaping into array literals.
   */
  async insertShed(rows: readonly ShedRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    // In key order: two replicas batching the same episodes in opposite orders would otherwise wait on each other.
    const ordered = [...rows].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    const records = ordered.map(({ analysis, eventId, reason }) => ({
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
    }));
    const stored = rowsOf<{ event_id: string }>(
      await this.dataSource.query(
        `INSERT INTO ${this.analyses} (fingerprint, starts_at, alertname, severity, engine, fallback_reason, event_id, analysis, analyzed_at, shed_reason)
       SELECT fingerprint, starts_at, alertname, severity, engine, fallback_reason, event_id, analysis, analyzed_at, shed_reason
         FROM json_to_recordset($1::json) AS r(fingerprint text, starts_at timestamptz, alertname text, severity text, engine text,
              fallback_reason text, event_id text, analysis jsonb, analyzed_at timestamptz, shed_reason text)
       ON CONFLICT (fingerprint, starts_at) DO NOTHING
       RETURNING event_id`,
        [JSON.stringify(records)],
      ),
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
