import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * - `claim_token`: a uuid set at each claim; an answer is written only under the token it was sent
 *   with. The attempt number alone could not fence: an operator's retry resets `attempts`, so an
 *   answer from a claim before the retry looked like one of the new claim.
 * - `order_key`: what deliveries go out in order by (and what a late, older one is superseded by).
 *   The alert's fingerprint for alert messages; `approval:<id>` for an approval's request and its
 *   decision, which are their own PagerDuty incident (dedup_key) whether or not they name an alert.
 *   `alert_marks` is keyed by it too.
 * - `approval_id` and `approval_pages`: the decision of an approval resolves the deliveries of its
 *   request; the page row serialises a request and its decision that arrive together.
 */
export class ClaimsOrderApprovals1765000000001 implements MigrationInterface {
  name = 'ClaimsOrderApprovals1765000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(
      `ALTER TABLE ${s}.deliveries ADD COLUMN claim_token uuid, ADD COLUMN order_key text, ADD COLUMN approval_id text`,
    );
    await queryRunner.query(
      `UPDATE ${s}.deliveries SET approval_id = substring(content->>'dedupKey' from 20)
        WHERE announcement_subject = 'runbooks.approval.requested' AND content->>'dedupKey' LIKE 'firebreak-approval-%'`,
    );
    await queryRunner.query(
      `UPDATE ${s}.deliveries SET order_key = CASE WHEN approval_id IS NOT NULL THEN 'approval:' || approval_id ELSE fingerprint END
        WHERE approval_id IS NOT NULL OR fingerprint IS NOT NULL`,
    );
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.deliveries_order_idx`);
    await queryRunner.query(
      `CREATE INDEX deliveries_order_idx ON ${s}.deliveries (channel, target, order_key, ordered_at) WHERE status = 'pending'`,
    );
    await queryRunner.query(`CREATE INDEX deliveries_approval_idx ON ${s}.deliveries (approval_id) WHERE approval_id IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE ${s}.alert_marks RENAME COLUMN fingerprint TO order_key`);
    await queryRunner.query(`CREATE TABLE ${s}.approval_pages (
      approval_id text PRIMARY KEY,
      requested_at timestamptz,
      decision text CHECK (decision IN ('approved', 'rejected', 'expired')),
      decided_at timestamptz,
      updated_at timestamptz NOT NULL
    )`);
    await queryRunner.query(`CREATE INDEX approval_pages_updated_idx ON ${s}.approval_pages (updated_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.approval_pages`);
    await queryRunner.query(`ALTER TABLE ${s}.alert_marks RENAME COLUMN order_key TO fingerprint`);
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.deliveries_approval_idx`);
    await queryRunner.query(`DROP INDEX IF EXISTS ${s}.deliveries_order_idx`);
    await queryRunner.query(
      `CREATE INDEX deliveries_order_idx ON ${s}.deliveries (channel, target, fingerprint, ordered_at) WHERE status = 'pending'`,
    );
    await queryRunner.query(`ALTER TABLE ${s}.deliveries DROP COLUMN claim_token, DROP COLUMN order_key, DROP COLUMN approval_id`);
  }
}
