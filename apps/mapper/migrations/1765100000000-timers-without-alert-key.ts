import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * `escalation_timers` without its foreign key to `alerts`. The key's check ran a locking lookup of
 * the alert for every timer a new alert sets (~5–12 µs of Postgres CPU a row, measured with 128-row
 * inserts): paid by every alert of a storm, for nothing. A timer is only ever set by the transaction
 * that holds its alert's row (inserted or locked, see lifecycle/alert-state.repository.ts), alerts
 * are never deleted (so the cascade never fired), and the escalation poller joins `alerts` when it
 * claims a timer. Dropping it takes the two tables' locks for a moment and rewrites nothing.
 */
export class TimersWithoutAlertKey1765100000000 implements MigrationInterface {
  name = 'TimersWithoutAlertKey1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The ALTER takes both tables' exclusive locks: waiting behind a long transaction would queue every
    // alert write behind it. Give up instead; the start fails and is retried (the replicas still running
    // keep the key, which costs only time).
    await queryRunner.query(`SET LOCAL lock_timeout = '2s'`);
    await queryRunner.query(
      `ALTER TABLE "${schemaOf(queryRunner)}".escalation_timers DROP CONSTRAINT IF EXISTS escalation_timers_fingerprint_fkey`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    // Timers of alerts that are gone (only a manual delete makes them) would fail the key's check.
    await queryRunner.query(
      `DELETE FROM ${s}.escalation_timers t WHERE NOT EXISTS (SELECT 1 FROM ${s}.alerts a WHERE a.fingerprint = t.fingerprint)`,
    );
    await queryRunner.query(`ALTER TABLE ${s}.escalation_timers DROP CONSTRAINT IF EXISTS escalation_timers_fingerprint_fkey`);
    await queryRunner.query(
      `ALTER TABLE ${s}.escalation_timers ADD CONSTRAINT escalation_timers_fingerprint_fkey FOREIGN KEY (fingerprint) REFERENCES ${s}.alerts (fingerprint) ON DELETE CASCADE`,
    );
  }
}
