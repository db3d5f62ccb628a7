import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '@firebreak/platform';

/** Executions, step attempts, approvals, the automation switch, alert states for verification, the DLQ archive. */
export class Executions1733000000000 implements MigrationInterface {
  name = 'Executions1733000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    const statements = [
      `CREATE TABLE ${s}.executions (
        id uuid PRIMARY KEY,
        request_id text NOT NULL UNIQUE,
        runbook_id text NOT NULL,
        definition jsonb,
        mode text NOT NULL,
        trigger text NOT NULL,
        fingerprint text,
        severity text NOT NULL,
        concurrency_key text,
        concurrency_limit integer,
        runbook_limit integer,
        context jsonb NOT NULL DEFAULT '{}',
        params jsonb NOT NULL DEFAULT '{}',
        requested_by text,
        reason text,
        status text NOT NULL,
        status_reason text,
        escalate boolean NOT NULL DEFAULT false,
        state jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL,
        not_before timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz,
        lease_owner text,
        lease_until timestamptz,
        claims integer NOT NULL DEFAULT 0,
        cancel_requested_at timestamptz,
        cancel_requested_by text,
        cancel_reason text,
        drill_target_ms integer,
        verify_due_at timestamptz,
        verify_status text
      )`,
      `CREATE INDEX executions_claim_idx ON ${s}.executions (created_at) WHERE status IN ('queued', 'running')`,
      `CREATE INDEX executions_running_idx ON ${s}.executions (runbook_id, concurrency_key) WHERE status = 'running'`,
      `CREATE INDEX executions_runbook_idx ON ${s}.executions (runbook_id, created_at DESC)`,
      `CREATE INDEX executions_fingerprint_idx ON ${s}.executions (fingerprint, created_at DESC)`,
      `CREATE INDEX executions_list_idx ON ${s}.executions (created_at DESC, id DESC)`,
      `CREATE INDEX executions_verify_idx ON ${s}.executions (verify_due_at) WHERE verify_status = 'pending'`,
      `CREATE TABLE ${s}.step_attempts (
        id bigserial PRIMARY KEY,
        execution_id uuid NOT NULL REFERENCES ${s}.executions (id) ON DELETE CASCADE,
        step_id text NOT NULL,
        step_type text NOT NULL,
        attempt integer NOT NULL,
        rollback boolean NOT NULL DEFAULT false,
        status text NOT NULL,
        started_at timestamptz NOT NULL,
        finished_at timestamptz,
        output_excerpt text,
        error text,
        refused boolean NOT NULL DEFAULT false,
        UNIQUE (execution_id, step_id, attempt, rollback)
      )`,
      `CREATE TABLE ${s}.approvals (
        id uuid PRIMARY KEY,
        execution_id uuid NOT NULL REFERENCES ${s}.executions (id) ON DELETE CASCADE,
        step_id text NOT NULL,
        runbook_id text NOT NULL,
        severity text NOT NULL,
        summary text NOT NULL,
        status text NOT NULL,
        requested_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        decided_by text,
        decided_at timestamptz,
        note text,
        UNIQUE (execution_id, step_id)
      )`,
      `CREATE INDEX approvals_pending_idx ON ${s}.approvals (expires_at) WHERE status = 'pending'`,
      `CREATE TABLE ${s}.automation_state (
        id integer PRIMARY KEY CHECK (id = 1),
        paused boolean NOT NULL,
        changed_by text,
        changed_at timestamptz,
        reason text
      )`,
      `INSERT INTO ${s}.automation_state (id, paused) VALUES (1, false)`,
      `CREATE TABLE ${s}.alert_states (
        fingerprint text PRIMARY KEY,
        status text NOT NULL,
        changed_at timestamptz NOT NULL
      )`,
      `CREATE TABLE ${s}.dlq_archive (
        dlq_event_id text PRIMARY KEY,
        original_subject text NOT NULL,
        reason text NOT NULL,
        error text NOT NULL,
        dead_lettered_at timestamptz,
        payload text NOT NULL,
        execution_id uuid,
        archived_at timestamptz NOT NULL DEFAULT now()
      )`,
    ];
    for (const sql of statements) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${schemaOf(queryRunner)}"`;
    for (const table of ['dlq_archive', 'alert_states', 'automation_state', 'approvals', 'step_attempts', 'executions']) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${s}.${table}`);
    }
  }
}
