import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * Expand only: replicas of the previous release keep running against this schema during a rolling
 * deploy (they insert deliveries without the new columns, claim by fingerprint, fence by attempts
 * and mark `alert_marks.fingerprint`), so nothing they use is renamed or dropped, and nothing
 * rewrites `deliveries`: adding nullable columns without a default is a catalogue change only.
 *
 * - `claim_token`: a uuid set at each claim; an answer is written only under the token it was sent
 *   with (and its attempt number, which an old replica's claim moves on). The attempt number alone
 *   could not fence: an operator's retry resets `attempts`.
 * - `order_key`: what deliveries go out in order by (and what a late, older one is superseded by):
 *   `approval:<id>` for an approval's request and its decision, their own PagerDuty incident. NULL
 *   (every row written before, and by old replicas) means the fingerprint: no backfill needed.
 *   `alert_marks.fingerprint` holds the order key (for alerts it is the fingerprint, as before).
 * - `approval_id` and `approval_pages`: the decision of an approval resolves the deliveries of its
 *   request (`request_delivery_ids`, looked up by primary key); the page row serialises a request and
 *   its decision that arrive together. Approvals requested before the upgrade get their page here,
 *   from their request's deliveries, so their decision still finds them.
 */
export class ClaimsOrderApprovals1765000000001 implements MigrationInterface {
  name = 'ClaimsOrderApprovals1765000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`CREATE TABLE ${s}.approval_pages (
      approval_id text PRIMARY KEY,
      requested_at timestamptz,
      request_delivery_ids text[] NOT NULL DEFAULT '{}',
      decision text CHECK (decision IN ('approved', 'rejected', 'expired')),
      decided_at timestamptz,
      updated_at timestamptz NOT NULL
    )`);
    // Reads deliveries only (no lock that blocks old replicas' writes), before the ALTER below
    // takes its short exclusive lock. An approval's request delivery carries its dedup key.
    await queryRunner.query(
      `INSERT INTO ${s}.approval_pages (approval_id, requested_at, request_delivery_ids, updated_at)
       SELECT substring(content->>'dedupKey' from 20), min(received_at), array_agg(id ORDER BY seq), max(updated_at)
         FROM ${s}.deliveries
        WHERE announcement_subject = 'runbooks.approval.requested' AND content->>'dedupKey' LIKE 'firebreak-approval-_%'
        GROUP BY 1`,
    );
    await queryRunner.query(`CREATE INDEX approval_pages_updated_idx ON ${s}.approval_pages (updated_at) WHERE decision IS NOT NULL`);
    await queryRunner.query(
      `ALTER TABLE ${s}.deliveries ADD COLUMN claim_token uuid, ADD COLUMN order_key text, ADD COLUMN approval_id text`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.approval_pages`);
    await queryRunner.query(`ALTER TABLE ${s}.deliveries DROP COLUMN claim_token, DROP COLUMN order_key, DROP COLUMN approval_id`);
  }
}
