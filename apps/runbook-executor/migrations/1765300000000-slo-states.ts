import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/** SLO states from `slo.budget.changed`, one row per SLO, for runbook conditions (`slo.<id>.burning`). */
export class SloStates1765300000000 implements MigrationInterface {
  name = 'SloStates1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`CREATE TABLE ${s}.slo_states (
      slo_id text PRIMARY KEY,
      service text NOT NULL,
      state text NOT NULL,
      previous_state text,
      tier text,
      budget_remaining double precision,
      changed_at timestamptz NOT NULL,
      event_id text NOT NULL,
      received_at timestamptz NOT NULL
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS "${schemaOf(queryRunner)}".slo_states`);
  }
}
