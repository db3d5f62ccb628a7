import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

const INDEXES = [
  ['deliveries_head_idx', `(channel, target, (COALESCE(order_key, fingerprint)), ordered_at, seq) WHERE status = 'pending'`],
  ['deliveries_follow_ups_due_idx', `(channel, next_attempt_at) WHERE status = 'pending' AND announcement_subject = 'alerts.analysis'`],
] as const;

/**
 * What the claim reads, so it costs what it returns rather than what is pending: for each due row it
 * looks up the head of the row's queue (its order key's oldest pending delivery to its target) with
 * one probe of `deliveries_head_idx`, whose key is the claim's expression and order. The due rows
 * themselves come off `deliveries_due_idx` (channel, next_attempt_at), as before; follow-ups (analyses), claimed
 * in a branch of their own after the rest, off `deliveries_follow_ups_due_idx`, so that branch, which runs
 * whenever a round finds less than it could take, never reads the table.
 *
 * Built CONCURRENTLY, outside a transaction, so replicas of the previous release keep writing during a
 * rolling deploy; a build that failed half way leaves an invalid index, dropped before building again.
 */
export class ClaimHeads1765600000000 implements MigrationInterface {
  name = 'ClaimHeads1765600000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    for (const [name, definition] of INDEXES) {
      await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${s}.${name}`);
      await queryRunner.query(`CREATE INDEX CONCURRENTLY ${name} ON ${s}.deliveries ${definition}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [name] of INDEXES) await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "${schemaOf(queryRunner)}".${name}`);
  }
}
