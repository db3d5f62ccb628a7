import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/**
 * Deliveries: one row per (announcement, channel, target), keyed by a deterministic id, which is
 * also the retry queue (pending rows with a due time). ordered_at is the announcement's own time:
 * deliveries about one alert go out in that order, whatever order the consumer inserted them in. Rate buckets: one token bucket per channel,
 * shared by every replica.
 */
export class Deliveries1732400000000 implements MigrationInterface {
  name = 'Deliveries1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`CREATE TABLE ${s}.deliveries (
      id text PRIMARY KEY,
      seq bigserial UNIQUE,
      announcement_id text NOT NULL,
      announcement_subject text NOT NULL,
      channel text NOT NULL,
      channel_type text NOT NULL,
      target text NOT NULL,
      kind text NOT NULL,
      severity text NOT NULL,
      fingerprint text,
      title text NOT NULL,
      content jsonb NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'folded', 'skipped')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL,
      ordered_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      sent_at timestamptz,
      last_error text,
      response_status integer,
      response_excerpt text,
      folded_into text
    )`);
    await queryRunner.query(`CREATE INDEX deliveries_due_idx ON ${s}.deliveries (channel, next_attempt_at) WHERE status = 'pending'`);
    await queryRunner.query(
      `CREATE INDEX deliveries_order_idx ON ${s}.deliveries (channel, target, fingerprint, ordered_at) WHERE status = 'pending'`,
    );
    await queryRunner.query(`CREATE INDEX deliveries_channel_seq_idx ON ${s}.deliveries (channel, seq)`);
    await queryRunner.query(`CREATE INDEX deliveries_status_seq_idx ON ${s}.deliveries (status, seq)`);
    await queryRunner.query(`CREATE INDEX deliveries_fingerprint_seq_idx ON ${s}.deliveries (fingerprint, seq)`);
    await queryRunner.query(`CREATE INDEX deliveries_settled_idx ON ${s}.deliveries (updated_at) WHERE status <> 'pending'`);
    // The newest announcement already sent per alert and target: a late, older one is skipped.
    await queryRunner.query(`CREATE TABLE ${s}.alert_marks (
      channel text NOT NULL,
      target text NOT NULL,
      fingerprint text NOT NULL,
      sent_ordered_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (channel, target, fingerprint)
    )`);
    await queryRunner.query(`CREATE INDEX alert_marks_updated_idx ON ${s}.alert_marks (updated_at)`);
    await queryRunner.query(`CREATE TABLE ${s}.rate_buckets (
      channel text PRIMARY KEY,
      tokens double precision NOT NULL,
      refilled_at timestamptz NOT NULL,
      paused_until timestamptz
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.rate_buckets`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.alert_marks`);
    await queryRunner.query(`DROP TABLE IF EXISTS ${s}.deliveries`);
  }
}
