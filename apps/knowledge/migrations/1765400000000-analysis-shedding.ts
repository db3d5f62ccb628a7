import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * Why an episode was not analysed in full (`storm`: summarised, pointing at its group's analysis; `budget`: past the
 * analysis rate); null for a full analysis. The row itself still makes "once per episode" hold for a shed episode.
 */
export class AnalysisShedding1765400000000 implements MigrationInterface {
  name = 'AnalysisShedding1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`ALTER TABLE ${s}.analyses ADD COLUMN shed_reason text CHECK (shed_reason IN ('storm', 'budget'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${schemaOf(queryRunner)}".analyses DROP COLUMN IF EXISTS shed_reason`);
  }
}
