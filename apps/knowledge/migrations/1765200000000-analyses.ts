import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * One analysis per alert episode (fingerprint, startsAt): the key makes "once per episode" hold
 * whichever replica or redelivery analyses it (owned by src/analysis).
 */
export class Analyses1765200000000 implements MigrationInterface {
  name = 'Analyses1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`CREATE TABLE ${s}.analyses (
      fingerprint text NOT NULL,
      starts_at timestamptz NOT NULL,
      alertname text NOT NULL,
      severity text NOT NULL,
      engine text NOT NULL CHECK (engine IN ('knowledge', 'llm')),
      fallback_reason text,
      event_id text NOT NULL,
      analysis jsonb NOT NULL,
      analyzed_at timestamptz NOT NULL,
      PRIMARY KEY (fingerprint, starts_at)
    )`);
    await queryRunner.query(`CREATE INDEX analyses_analyzed_idx ON ${s}.analyses (analyzed_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS "${schemaOf(queryRunner)}".analyses`);
  }
}
