import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/** Detector runs (one per detector and tick), each detector's hysteresis state, and heartbeats. */
export class Detectors1765200000000 implements MigrationInterface {
  name = 'Detectors1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    const statements = [
      // A scheduled run's row is its claim: (detector, tick) is unique, so one replica runs a tick. The
      // claim commits before the check runs (no transaction is held open across it); claim_token fences
      // the result to the replica that holds the claim, and a 'running' row whose claimed_until passed
      // (its replica died mid-check) may be taken over. Runs asked for through the API are keyed by their run id alone.
      `CREATE TABLE ${s}.detector_runs (
        run_id text PRIMARY KEY,
        detector_id text NOT NULL,
        tick timestamptz NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
        status text NOT NULL CHECK (status IN ('running', 'pass', 'fail', 'error')),
        value double precision,
        message text NOT NULL DEFAULT '',
        extras jsonb NOT NULL DEFAULT '{}',
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL DEFAULT 0,
        alert text CHECK (alert IN ('raised', 'resolved')),
        actor text,
        claim_token text,
        claimed_until timestamptz
      )`,
      `CREATE UNIQUE INDEX detector_runs_tick_key ON ${s}.detector_runs (detector_id, tick) WHERE trigger = 'schedule'`,
      `CREATE INDEX detector_runs_listing_idx ON ${s}.detector_runs (detector_id, started_at DESC, run_id DESC)`,
      `CREATE INDEX detector_runs_age_idx ON ${s}.detector_runs (started_at)`,
      `CREATE TABLE ${s}.detector_state (
        detector_id text PRIMARY KEY,
        consecutive_failures integer NOT NULL DEFAULT 0,
        consecutive_passes integer NOT NULL DEFAULT 0,
        alerting boolean NOT NULL DEFAULT false,
        failing_since timestamptz,
        alert_starts_at timestamptz,
        -- The firing alert as it was published (null while none fires): its resolution is built from
        -- these, so it still resolves after the detector was removed, disabled or relabelled.
        fingerprint text,
        alert_labels jsonb,
        alert_annotations jsonb,
        last_run_id text,
        last_started_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE ${s}.heartbeats (
        detector_id text PRIMARY KEY,
        registered_at timestamptz NOT NULL,
        last_beat_at timestamptz,
        beats bigint NOT NULL DEFAULT 0
      )`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    for (const name of ['heartbeats', 'detector_state', 'detector_runs']) await queryRunner.query(`DROP TABLE IF EXISTS ${s}.${name}`);
  }
}
