/**
 * The outbox and inbox tables every stateful service keeps in its own schema. Migrations call this
 * so the layout is defined once; a change here needs a new migration in each app, never an edit
 * of an old one.
 */
export function messagingTablesUpSql(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `CREATE TABLE ${s}.outbox (
      id text PRIMARY KEY,
      subject text NOT NULL,
      event jsonb NOT NULL,
      trace_headers jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      last_error text
    )`,
    `CREATE INDEX outbox_unsent_idx ON ${s}.outbox (created_at) WHERE sent_at IS NULL`,
    `CREATE INDEX outbox_sent_idx ON ${s}.outbox (sent_at) WHERE sent_at IS NOT NULL`,
    `CREATE TABLE ${s}.inbox (
      consumer text NOT NULL,
      event_id text NOT NULL,
      processed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer, event_id)
    )`,
    `CREATE INDEX inbox_processed_idx ON ${s}.inbox (processed_at)`,
  ];
}

export function messagingTablesDownSql(schema: string): string[] {
  return [`DROP TABLE IF EXISTS "${schema}".inbox`, `DROP TABLE IF EXISTS "${schema}".outbox`];
}

/**
 * Per-row retries: a row that fails to publish waits `next_attempt_at` (backing off) and keeps its
 * error, and after the last attempt it is set aside (`dead_at`), so a row that can never be
 * published does not hold up the ones behind it. Dead rows stay for inspection; they are not pruned.
 */
export function outboxRetriesUpSql(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `ALTER TABLE ${s}.outbox ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN dead_at timestamptz`,
    `DROP INDEX IF EXISTS ${s}.outbox_unsent_idx`,
    `CREATE INDEX outbox_due_idx ON ${s}.outbox (next_attempt_at) WHERE sent_at IS NULL AND dead_at IS NULL`,
  ];
}

export function outboxRetriesDownSql(schema: string): string[] {
  const s = `"${schema}"`;
  return [
    `DROP INDEX IF EXISTS ${s}.outbox_due_idx`,
    `CREATE INDEX outbox_unsent_idx ON ${s}.outbox (created_at) WHERE sent_at IS NULL`,
    `ALTER TABLE ${s}.outbox DROP COLUMN next_attempt_at, DROP COLUMN dead_at`,
  ];
}
