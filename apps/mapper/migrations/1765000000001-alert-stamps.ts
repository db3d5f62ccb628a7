import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * `alerts.stamped_at`: the time the last change of the alert was stamped with (its announcements,
 * state changes, history). The next change is stamped no earlier than 1 ms after it, whatever the
 * clock of the replica making it, so the notifier never takes a later announcement for an older one.
 */
export class AlertStamps1765000000001 implements MigrationInterface {
  name = 'AlertStamps1765000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`ALTER TABLE ${s}.alerts ADD COLUMN stamped_at timestamptz`);
    // The stamps a replica made before: resolved_at is left out, as it may be a sender's endsAt (even 9999).
    await queryRunner.query(`UPDATE ${s}.alerts SET stamped_at = GREATEST(updated_at, last_announced_at, acknowledged_at, escalated_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "${schemaOf(queryRunner)}".alerts DROP COLUMN stamped_at`);
  }
}
