import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * `alerts.stamped_at`: the time the last change of the alert was stamped with (its announcements,
 * state changes, history). The next change is stamped no earlier than 1 ms after it, whatever the
 * clock of the replica making it, so the notifier never takes a later announcement for an older one.
 * NULL on rows written before it: see `stampFor`.
 */
export class AlertStamps1765000000001 implements MigrationInterface {
  name = 'AlertStamps1765000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`ALTER TABLE ${s}.alerts ADD COLUMN stamped_at timestamptz`);
    // No backfill: an UPDATE of every row here would hold the table locked (ACCESS EXCLUSIVE, in the DDL
    // transaction) for as long as it runs (15.7 s over 500k rows), and old replicas' ingestion with it.
    // A NULL stamp means "the greatest of the row's own times" (stampFor in lifecycle/alert-machine.ts).
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${schemaOf(queryRunner)}".alerts DROP COLUMN stamped_at`);
  }
}
