import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * Indexes for the claim (lifecycle/worker-statements.ts): queued runs without concurrency limits in
 * the order the claim takes them, so it reads as many as it returns; and the runbooks with limited
 * runs queued, the only ones it ranks.
 */
export class ClaimIndexes1765500000000 implements MigrationInterface {
  name = 'ClaimIndexes1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(
      `CREATE INDEX executions_queued_free_idx ON ${s}.executions (created_at, id)
        WHERE status = 'queued' AND concurrency_limit IS NULL AND runbook_limit IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX executions_queued_limited_idx ON ${s}.executions (runbook_id)
        WHERE status = 'queued' AND (concurrency_limit IS NOT NULL OR runbook_limit IS NOT NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.executions_queued_limited_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.executions_queued_free_idx`);
  }
}
