import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

const INDEXES = [
  ['deliveries_head_idx', `(channel, target, (COALESCE(order_key, fingerprint)), ordered_at, seq) WHERE status = 'pending'`],
  ['deliveries_follow_ups_due_idx', `(channel, next_attempt_at) WHERE status = 'pending' AND announcement_subject = 'alerts.analysis'`],
] as const;

/**
 * What the claim reads, so it reads the queue heads it can take rather than sorting every pending row: for each due
 * row it looks up the head of the row's queue (its order key's oldest pending delivery to its target) with one probe
 * of `deliveries_head_idx`, whose key is the claim's expression and order. The due rows themselves come off
 * `deliveries_due_idx` (channel, next_attempt_at), as before; follow-ups (analyses), claimed in a branch of their own
 * after the rest, off `deliveries_follow_ups_due_idx`, so that branch, which runs whenever a round finds less than it
 * could take, never reads the table.
 *
 * Built in the migration's transaction, not CONCURRENTLY: a concurrent build waits for every snapshot older than it in
 * the whole database, and a second replica starting meanwhile holds one while it waits for the migration lock the
 * first holds — both hung (found by review). Both indexes are partial (pending rows only), so the build reads the
 * table once and blocks writes to deliveries for that long; plan the upgrade out of an alert storm.
 */
export class ClaimHeads1765600000000 implements MigrationInterface {
  name = 'ClaimHeads1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    for (const [name, definition] of INDEXES)
      await queryRunner.query(`CREATE INDEX IF NOT EXISTS ${name} ON ${s}.deliveries ${definition}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [name] of INDEXES) await queryRunner.query(`DROP INDEX IF EXISTS "${schemaOf(queryRunner)}".${name}`);
  }
}
