import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * `analysis_waits`: an alert's analysis that arrived before the notifier recorded the alert's firing
 * message (both come off the bus independently). It is written at once, without a retry loop; the
 * firing message's transaction takes it and queues the follow-ups. Both transactions lock the episode
 * (an advisory lock on fingerprint and startsAt), so one always sees the other's rows. Rows whose
 * firing never comes (an alert routed to no opted-in channel) are pruned after an hour.
 */
export class AnalysisWaits1765300000000 implements MigrationInterface {
  name = 'AnalysisWaits1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`CREATE TABLE ${s}.analysis_waits (
      fingerprint text NOT NULL,
      starts_at text NOT NULL,
      event jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (fingerprint, starts_at)
    )`);
    await queryRunner.query(`CREATE INDEX analysis_waits_created_at ON ${s}.analysis_waits (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "${schemaOf(queryRunner)}".analysis_waits`);
  }
}
