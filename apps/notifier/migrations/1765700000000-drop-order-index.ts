import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * Drops `deliveries_order_idx` (channel, target, fingerprint, ordered_at) of pending rows: no query reads it since the
 * claim finds queue heads through `deliveries_head_idx` (its key is the order key, `COALESCE(order_key, fingerprint)`),
 * yet every insert and every claim of a delivery wrote an entry at a random place in it (a bench run counted 0 scans).
 * A replica of a release before the head index, still running during a rolling deploy, claims correctly without it,
 * only by a sort of the channel's pending rows.
 */
export class DropOrderIndex1765700000000 implements MigrationInterface {
  name = 'DropOrderIndex1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The drop is instant, but its lock waits behind any open transaction on deliveries, and every intake, claim and
    // API read would queue behind it: fail the start instead (it is retried) than stall the notifier.
    await queryRunner.query(`SET LOCAL lock_timeout = '2s'`);
    await queryRunner.query(`DROP INDEX IF EXISTS "${schemaOf(queryRunner)}".deliveries_order_idx`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS deliveries_order_idx ON ${s}.deliveries (channel, target, fingerprint, ordered_at) WHERE status = 'pending'`,
    );
  }
}
