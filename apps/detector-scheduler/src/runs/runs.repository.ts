import { Inject, Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { CONFIG, rowsOf, table } from '@firebreak/platform';
import { CheckOutcome } from '../checks/check.types';
import { DetectorConfig } from '../service';
import { HysteresisState, INITIAL_STATE } from './hysteresis';

/** The alert a detector fires, as published: what its resolution is built from. */
export interface FiringAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface StoredState extends HysteresisState {
  lastStartedAt: Date | null;
  /** Set while `alerting`. */
  firing: FiringAlert | null;
}

interface StateRow {
  consecutive_failures: number;
  consecutive_passes: number;
  alerting: boolean;
  failing_since: Date | null;
  alert_starts_at: Date | null;
  last_started_at: Date | null;
  fingerprint: string | null;
  alert_labels: Record<string, string> | null;
  alert_annotations: Record<string, string> | null;
}

/** What claiming a scheduled tick found: ours to run (under the row's run id), already stored, or held by a live claim of another run. */
export type ClaimResult = { kind: 'claimed'; runId: string } | { kind: 'done' } | { kind: 'busy' };

@Injectable()
export class RunsRepository {
  readonly runs: string;
  readonly states: string;

  constructor(@Inject(CONFIG) private readonly config: DetectorConfig) {
    this.runs = table(config.dbSchema, 'detector_runs');
    this.states = table(config.dbSchema, 'detector_state');
  }

  /**
   * Claims a scheduled tick with one committed row, before the check runs, so no transaction (nor its
   * pool connection) is held across the check. The unique (detector, tick) row answers for a tick
   * stored or being run; a 'running' claim past `claimed_until` (its replica died mid-check) is taken
   * over with a new token. Each statement is atomic on its own: two replicas never both claim.
   */
  async claimTick(
    manager: EntityManager,
    claim: { detectorId: string; tick: Date; runId: string; startedAt: Date; token: string; until: Date },
  ): Promise<ClaimResult> {
    const { detectorId, tick, runId, startedAt, token, until } = claim;
    const inserted = await manager.query(
      `INSERT INTO ${this.runs} (run_id, detector_id, tick, trigger, status, started_at, claim_token, claimed_until)
       VALUES ($1, $2, $3, 'schedule', 'running', $4, $5, $6)
       ON CONFLICT (detector_id, tick) WHERE trigger = 'schedule' DO NOTHING RETURNING run_id`,
      [runId, detectorId, tick, startedAt, token, until],
    );
    if (rowsOf(inserted).length === 1) return { kind: 'claimed', runId };
    const taken = await manager.query(
      `UPDATE ${this.runs} SET started_at = $3, claim_token = $4, claimed_until = $5
        WHERE detector_id = $1 AND tick = $2 AND trigger = 'schedule' AND status = 'running' AND claimed_until < $3
        RETURNING run_id`,
      [detectorId, tick, startedAt, token, until],
    );
    const [takenOver] = rowsOf<{ run_id: string }>(taken);
    if (takenOver) return { kind: 'claimed', runId: takenOver.run_id };
    const [row] = rowsOf<{ status: string }>(
      await manager.query(`SELECT status FROM ${this.runs} WHERE detector_id = $1 AND tick = $2 AND trigger = 'schedule'`, [
        detectorId,
        tick,
      ]),
    );
    // No row at all: a claim released (deleted) between our two statements; the next poll claims it.
    return row && row.status !== 'running' ? { kind: 'done' } : { kind: 'busy' };
  }

  /** Locks our claim for the storing transaction; false when it was taken over (our run is then dropped). */
  async holdsClaim(manager: EntityManager, runId: string, token: string): Promise<boolean> {
    const rows = await manager.query(
      `SELECT 1 FROM ${this.runs} WHERE run_id = $1 AND status = 'running' AND claim_token = $2 FOR UPDATE`,
      [runId, token],
    );
    return rowsOf(rows).length === 1;
  }

  /** Gives a claim back (the check could not run: Firebreak's own Postgres away), so the tick runs again at once. */
  async releaseClaim(manager: EntityManager, runId: string, token: string): Promise<void> {
    await manager.query(`DELETE FROM ${this.runs} WHERE run_id = $1 AND status = 'running' AND claim_token = $2`, [runId, token]);
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
      `UPDATE ${this.runs} SET status = $2, value = $3, message = $4, extras = $5, duration_ms = $6, alert = $7, claimed_until = NULL
        WHERE run_id = $1`,
      [runId, outcome.status, outcome.value, outcome.message, JSON.stringify(outcome.extras), Math.round(durationMs), alert],
    );
  }

  /** The detector's state, locked for this transaction (runs of one detector apply one after another). */
  async lockState(manager: EntityManager, detectorId: string): Promise<StoredState> {
    await manager.query(`INSERT INTO ${this.states} (detector_id) VALUES ($1) ON CONFLICT DO NOTHING`, [detectorId]);
    const [row] = rowsOf<StateRow>(
      await manager.query(
        `SELECT consecutive_failures, consecutive_passes, alerting, failing_since, alert_starts_at, last_started_at,
                fingerprint, alert_labels, alert_annotations
           FROM ${this.states} WHERE detector_id = $1 FOR UPDATE`,
        [detectorId],
      ),
    );
    if (!row) return { ...INITIAL_STATE, lastStartedAt: null, firing: null };
    return {
      consecutiveFailures: row.consecutive_failures,
      consecutivePasses: row.consecutive_passes,
      alerting: row.alerting,
      failingSince: row.failing_since,
      alertStartsAt: row.alert_starts_at,
      lastStartedAt: row.last_started_at,
      firing:
        row.alerting && row.fingerprint
          ? { fingerprint: row.fingerprint, labels: row.alert_labels ?? {}, annotations: row.alert_annotations ?? {} }
          : null,
    };
  }

  /** Saves the state; `firing` is the alert that fires after this run (null when none does). */
  async saveState(
    manager: EntityManager,
    detectorId: string,
    state: HysteresisState,
    firing: FiringAlert | null,
    last: { runId: string; startedAt: Date } | null,
  ): Promise<void> {
    await manager.query(
      `UPDATE ${this.states} SET consecutive_failures = $2, consecutive_passes = $3, alerting = $4, failing_since = $5,
         alert_starts_at = $6, fingerprint = $7, alert_labels = $8, alert_annotations = $9,
         last_run_id = COALESCE($10, last_run_id), last_started_at = COALESCE($11, last_started_at), updated_at = now()
       WHERE detector_id = $1`,
      [
        detectorId,
        state.consecutiveFailures,
        state.consecutivePasses,
        state.alerting,
        state.failingSince,
        state.alertStartsAt,
        firing?.fingerprint ?? null,
        firing ? JSON.stringify(firing.labels) : null,
        firing ? JSON.stringify(firing.annotations) : null,
        last?.runId ?? null,
        last?.startedAt ?? null,
      ],
    );
  }

  /** Detectors whose alert fires, with the fingerprint it fires under: the sweep compares them with the definitions. */
  async alerting(manager: EntityManager): Promise<Array<{ detectorId: string; fingerprint: string | null }>> {
    const rows = rowsOf<{ detector_id: string; fingerprint: string | null }>(
      await manager.query(`SELECT detector_id, fingerprint FROM ${this.states} WHERE alerting`),
    );
    return rows.map((row) => ({ detectorId: row.detector_id, fingerprint: row.fingerprint }));
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
