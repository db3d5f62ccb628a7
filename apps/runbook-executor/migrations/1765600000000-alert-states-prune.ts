import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * Resolved alert states oldest first, for their prune (VerificationRepository.pruneAlertStates) to read only the rows it
 * deletes. Not CONCURRENTLY (that hangs behind the migration lock, see the notifier's claim-heads migration): the build
 * holds alert-state writes back while it runs (measured: 2.4 s for 2 million rows; never pruned before, the table
 * has a row per fingerprint ever seen). They wait, nothing is lost; upgrade outside an alert storm.
 */
export class AlertStatesPrune1765600000000 implements MigrationInterface {
  name = 'AlertStatesPrune1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`CREATE INDEX alert_states_resolved_idx ON ${s}.alert_states (changed_at) WHERE status = 'resolved'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "${schemaOf(queryRunner)}".alert_states_resolved_idx`);
  }
}
