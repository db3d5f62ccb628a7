import type { CloudEvent } from '@firebreak/contracts';
import type { EntityManager } from 'typeorm';

/** An event staged in a transaction, to be written to the outbox with it. */
export interface Staged {
  subject: string;
  event: CloudEvent<unknown>;
  traceHeaders: Record<string, string>;
}

/** 4 parameters a row: under Postgres's 65,535 parameters per statement. */
const OUTBOX_ROWS_PER_STATEMENT = 2_000;
/** Postgres refuses a client message over 1 GiB: a transaction staging many large events (a silence page of big alerts) is cut well below. */
const OUTBOX_BYTES_PER_STATEMENT = 64 * 1024 * 1024;

export interface EncodedStaged {
  id: string;
  subject: string;
  /** The event's JSON: the outbox row's column and, after the commit, the published message's payload. */
  event: string;
  traceHeaders: string;
}

export function encodeStaged(entry: Staged): EncodedStaged {
  return {
    id: entry.event.id,
    subject: entry.subject,
    event: JSON.stringify(entry.event),
    traceHeaders: JSON.stringify(entry.traceHeaders),
  };
}

/** Consecutive statements of at most OUTBOX_ROWS_PER_STATEMENT rows and (but for a single larger row) `maxBytes` of event JSON. */
export function outboxStatements<T extends { event: string }>(
  rows: T[],
  maxRows = OUTBOX_ROWS_PER_STATEMENT,
  maxBytes = OUTBOX_BYTES_PER_STATEMENT,
): T[][] {
  const statements: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = Buffer.byteLength(row.event);
    if (current.length > 0 && (current.length >= maxRows || bytes + size > maxBytes)) {
      statements.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

/** Writes the staged rows in the caller's transaction, in as few statements as the limits above allow. */
export async function insertOutboxRows(manager: EntityManager, schema: string, encoded: EncodedStaged[]): Promise<void> {
  for (const rows of outboxStatements(encoded)) {
    const values: unknown[] = [];
    const tuples = rows.map((row, index) => {
      values.push(row.id, row.subject, row.event, row.traceHeaders);
      const base = index * 4;
      return `($${base + 1}, $${base + 2}, $${base + 3}::jsonb, $${base + 4}::jsonb)`;
    });
    await manager.query(
      `INSERT INTO ${schema}.outbox (id, subject, event, trace_headers) VALUES ${tuples.join(', ')} ON CONFLICT (id) DO NOTHING`,
      values,
    );
  }
}

/**
 * What a sweep prunes, 1,000 rows of each at most: inbox rows older than `keepInboxForMs`, and outbox rows marked
 * sent. Published rows are deleted at once now, but a release before this one marked them sent and kept them a day,
 * and its replicas still do during a rolling upgrade: nothing else would ever remove those. Dead rows stay for
 * inspection (`sent_at` is never set on them).
 */
export function outboxPruneStatements(schema: string, keepInboxForMs: number): Array<[string, unknown[]]> {
  return [
    [
      `DELETE FROM ${schema}.inbox WHERE ctid IN (SELECT ctid FROM ${schema}.inbox WHERE processed_at < now() - make_interval(secs => $1) LIMIT 1000)`,
      [keepInboxForMs / 1000],
    ],
    [`DELETE FROM ${schema}.outbox WHERE ctid IN (SELECT ctid FROM ${schema}.outbox WHERE sent_at IS NOT NULL LIMIT 1000)`, []],
  ];
}
