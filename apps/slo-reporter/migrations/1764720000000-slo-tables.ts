import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/** Minute buckets of counted bus events, and each SLO's evaluated state and alerts. */
export class SloTables1764720000000 implements MigrationInterface {
  name = 'SloTables1764720000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    const statements = [
      // One row per signal and minute: an SLO over 30 days reads at most 43,200 rows per signal.
      `CREATE TABLE ${s}.event_counts (
        signal text NOT NULL,
        bucket timestamptz NOT NULL,
        count bigint NOT NULL CHECK (count >= 0),
        PRIMARY KEY (signal, bucket)
      )`,
      `CREATE TABLE ${s}.slo_state (
        slo_id text PRIMARY KEY,
        state text NOT NULL CHECK (state IN ('ok', 'burning', 'exhausted', 'no_data')),
        tier text,
        budget_remaining double precision,
        first_evaluated_at timestamptz NOT NULL,
        last_data_at timestamptz,
        last_report_day date,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE ${s}.slo_alerts (
        slo_id text NOT NULL,
        kind text NOT NULL,
        firing boolean NOT NULL,
        starts_at timestamptz NOT NULL,
        changed_at timestamptz NOT NULL,
        -- The labels it fired with: its resolution must carry them (the same fingerprint) even after the
        -- SLO's labels or service changed, or the SLO was removed from slos.yaml.
        labels jsonb NOT NULL,
        PRIMARY KEY (slo_id, kind)
      )`,
    ];
    for (const sql of statements) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    for (const name of ['slo_alerts', 'slo_state', 'event_counts']) await queryRunner.query(`DROP TABLE IF EXISTS ${s}.${name}`);
  }
}
