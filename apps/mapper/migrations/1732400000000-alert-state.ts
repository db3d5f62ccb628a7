import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/** Alert state and history, silences, escalation timers, runtime mappings and runbook requests. */
export class AlertState1732400000000 implements MigrationInterface {
  name = 'AlertState1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    const statements = [
      `CREATE TABLE ${s}.alerts (
        fingerprint text PRIMARY KEY,
        alertname text NOT NULL,
        severity text NOT NULL,
        status text NOT NULL CHECK (status IN ('firing', 'acknowledged', 'resolved', 'silenced')),
        source text NOT NULL,
        labels jsonb NOT NULL,
        annotations jsonb NOT NULL,
        generator_url text NOT NULL DEFAULT '',
        starts_at timestamptz NOT NULL,
        ends_at timestamptz,
        event_at timestamptz NOT NULL,
        event_received_at timestamptz NOT NULL,
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        occurrences integer NOT NULL DEFAULT 1,
        last_announced_at timestamptz,
        silence_id uuid,
        acknowledged_by text,
        acknowledged_at timestamptz,
        acknowledge_note text,
        resolved_by text,
        resolved_at timestamptz,
        resolve_note text,
        escalated_at timestamptz,
        runbook jsonb,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX alerts_listing_idx ON ${s}.alerts (first_seen DESC, fingerprint DESC)`,
      `CREATE INDEX alerts_status_idx ON ${s}.alerts (status, first_seen DESC)`,
      `CREATE INDEX alerts_alertname_idx ON ${s}.alerts (alertname)`,
      `CREATE INDEX alerts_silence_idx ON ${s}.alerts (silence_id) WHERE silence_id IS NOT NULL`,
      `CREATE INDEX alerts_labels_idx ON ${s}.alerts USING gin (labels jsonb_path_ops)`,
      `CREATE TABLE ${s}.alert_history (
        id bigserial PRIMARY KEY,
        fingerprint text NOT NULL,
        at timestamptz NOT NULL,
        source_id text,
        action text NOT NULL,
        from_status text,
        to_status text,
        actor text,
        note text,
        details jsonb NOT NULL DEFAULT '{}'
      )`,
      `CREATE INDEX alert_history_fingerprint_idx ON ${s}.alert_history (fingerprint, id DESC)`,
      `CREATE TABLE ${s}.silences (
        id uuid PRIMARY KEY,
        matchers jsonb NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        created_by text NOT NULL,
        comment text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        applied_state text NOT NULL CHECK (applied_state IN ('pending', 'active', 'expired')),
        CHECK (ends_at >= starts_at)
      )`,
      `CREATE INDEX silences_unexpired_idx ON ${s}.silences (ends_at) WHERE applied_state <> 'expired'`,
      `CREATE INDEX silences_created_idx ON ${s}.silences (created_at DESC)`,
      `CREATE TABLE ${s}.escalation_timers (
        fingerprint text PRIMARY KEY REFERENCES ${s}.alerts (fingerprint) ON DELETE CASCADE,
        due_at timestamptz NOT NULL,
        source_id text NOT NULL,
        delay_ms bigint NOT NULL,
        created_at timestamptz NOT NULL
      )`,
      `CREATE INDEX escalation_timers_due_idx ON ${s}.escalation_timers (due_at)`,
      `CREATE TABLE ${s}.runtime_mappings (
        alertname text PRIMARY KEY,
        runbook_id text NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE TABLE ${s}.runbook_requests (
        request_id text PRIMARY KEY,
        fingerprint text NOT NULL,
        runbook_id text NOT NULL,
        mapping_source text NOT NULL,
        status text NOT NULL,
        reason text,
        execution_id text,
        requested_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`,
      `CREATE INDEX runbook_requests_fingerprint_idx ON ${s}.runbook_requests (fingerprint)`,
    ];
    for (const sql of statements) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    for (const table of ['runbook_requests', 'runtime_mappings', 'escalation_timers', 'silences', 'alert_history', 'alerts']) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${s}.${table}`);
    }
  }
}
