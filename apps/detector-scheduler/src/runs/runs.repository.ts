import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { CheckOutcome } from '../checks/check.types';
import { DetectorConfig } from '../service';
import { HysteresisState, INITIAL_STATE } from './hysteresis';

export interface StoredState extends HysteresisState {
  lastStartedAt: Date | null;
}

interface StateRow {
  consecutive_failures: number;
  consecutive_passes: number;
  alerting: boolean;
  failing_since: Date | null;
  alert_starts_at: Date | null;
  last_started_at: Date | null;
}

@Injectable()
export class RunsRepository {
  readonly runs: string;
  readonly states: string;

  constructor(@Inject(CONFIG) private readonly config: DetectorConfig) {
    this.runs = table(config.dbSchema, 'detector_runs');
    this.states = table(config.dbSchema, 'detector_state');
  }

  /**
   * Claims a scheduled tick for this transaction. The advisory lock answers at once while another
   * replica's transaction holds the tick (no waiting on its check); the unique row answers for a tick
   * already committed. A claim rolled back (a crash mid-check) leaves the tick free for the next poll.
   */
  async claimTick(manager: EntityManager, detectorId: string, tick: Date, runId: string, startedAt: Date): Promise<boolean> {
    const key = `${this.config.dbSchema}|${detectorId}|${tick.toISOString()}`;
    const [lock] = rowsOf<{ locked: boolean }>(
      await manager.query('SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked', [key]),
    );
    if (!lock.locked) return false;
    const claimed = await manager.query(
      `INSERT INTO ${this.runs} (run_id, detector_id, tick, trigger, status, started_at) VALUES ($1, $2, $3, 'schedule', 'running', $4)
       ON CONFLICT (detector_id, tick) WHERE trigger = 'schedule' DO NOTHING RETURNING run_id`,
      [runId, detectorId, tick, startedAt],
    );
    return rowsOf(claimed).length === 1;
  }

  async insertManual(manager: EntityManager, detectorId: string, runId: string, startedAt: Date, actor: string): Promise<void> {
    await manager.query(
      `INSERT INTO ${this.runs} (run_id, detector_id, tick, trigger, status, started_at, actor) VALUES ($1, $2, $3, 'manual', 'running', $3, $4)`,
      [runId, detectorId, startedAt, actor],
    );
  }

  async complete(
    manager: EntityManager,
    runId: string,
    outcome: CheckOutcome,
    durationMs: number,
    alert: 'raised' | 'resolved' | null,
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.runs} SET status = $2, value = $3, message = $4, extras = $5, duration_ms = $6, alert = $7 WHERE run_id = $1`,
      [runId, outcome.status, outcome.value, outcome.message, JSON.stringify(outcome.extras), Math.round(durationMs), alert],
    );
  }

  /** The detector's state, locked for this transaction (runs of one detector apply one after another). */
  async lockState(manager: EntityManager, detectorId: string): Promise<StoredState> {
    await manager.query(`INSERT INTO ${this.states} (detector_id) VALUES ($1) ON CONFLICT DO NOTHING`, [detectorId]);
    const [row] = rowsOf<StateRow>(
      await manager.query(
        `SELECT consecutive_failures, consecutive_passes, alerting, failing_since, alert_starts_at, last_started_at
           FROM ${this.states} WHERE detector_id = $1 FOR UPDATE`,
        [detectorId],
      ),
    );
    if (!row) return { ...INITIAL_STATE, lastStartedAt: null };
    return {
      consecutiveFailures: row.consecutive_failures,
      consecutivePasses: row.consecutive_passes,
      alerting: row.alerting,
      failingSince: row.failing_since,
      alertStartsAt: row.alert_starts_at,
      lastStartedAt: row.last_started_at,
    };
  }

  async saveState(
    manager: EntityManager,
    detectorId: string,
    state: HysteresisState,
    fingerprint: string,
    runId: string,
    startedAt: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.states} SET consecutive_failures = $2, consecutive_passes = $3, alerting = $4, failing_since = $5,
         alert_starts_at = $6, fingerprint = $7, last_run_id = $8, last_started_at = $9, updated_at = now()
       WHERE detector_id = $1`,
      [
        detectorId,
        state.consecutiveFailures,
        state.consecutivePasses,
        state.alerting,
        state.failingSince,
        state.alertStartsAt,
        fingerprint,
        runId,
        startedAt,
      ],
    );
  }

  async prune(manager: EntityManager, before: Date): Promise<number> {
    const deleted = await manager.query(
      `DELETE FROM ${this.runs} WHERE run_id IN (SELECT run_id FROM ${this.runs} WHERE started_at < $1 LIMIT 10000) RETURNING 1`,
      [before],
    );
    return rowsOf(deleted).length;
  }
}

export interface RunRow {
  run_id: string;
  detector_id: string;
  tick: Date;
  trigger: 'schedule' | 'manual';
  status: 'pass' | 'fail' | 'error';
  value: number | null;
  message: string;
  extras: Record<string, unknown>;
  started_at: Date;
  duration_ms: number;
  alert: 'raised' | 'resolved' | null;
  actor: string | null;
}

export interface StateView {
  detector_id: string;
  consecutive_failures: number;
  consecutive_passes: number;
  alerting: boolean;
  failing_since: Date | null;
  alert_starts_at: Date | null;
  fingerprint: string | null;
  last_run_id: string | null;
}

const RUN_COLUMNS = 'run_id, detector_id, tick, trigger, status, value, message, extras, started_at, duration_ms, alert, actor';

/** Reads for the API: committed runs only (a claim in flight is not visible). */
@Injectable()
export class RunsReader {
  constructor(
    private readonly repository: RunsRepository,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  async states(): Promise<StateView[]> {
    return rowsOf<StateView>(await this.dataSource.query(`SELECT * FROM ${this.repository.states}`));
  }

  async lastRuns(): Promise<RunRow[]> {
    return rowsOf<RunRow>(
      await this.dataSource.query(
        `SELECT DISTINCT ON (detector_id) ${RUN_COLUMNS} FROM ${this.repository.runs}
          WHERE status <> 'running' ORDER BY detector_id, started_at DESC, run_id DESC`,
      ),
    );
  }

  /** Newest first; `after` is the last row of the previous page. */
  async page(detectorId: string, limit: number, after?: { startedAt: string; runId: string }): Promise<RunRow[]> {
    const params: unknown[] = [detectorId, limit];
    let where = `detector_id = $1 AND status <> 'running'`;
    if (after) {
      params.push(after.startedAt, after.runId);
      where += ' AND (started_at, run_id) < ($3::timestamptz, $4)';
    }
    return rowsOf<RunRow>(
      await this.dataSource.query(
        `SELECT ${RUN_COLUMNS} FROM ${this.repository.runs} WHERE ${where} ORDER BY started_at DESC, run_id DESC LIMIT $2`,
        params,
      ),
    );
  }
}
