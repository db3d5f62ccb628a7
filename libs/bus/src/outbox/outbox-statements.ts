import type { CloudEvent } from '@firebreak/contracts';
import type { EntityManager } from 'typeorm';

/** An event staged in a transaction, to be written to the outbox with it. */
export interface Staged {
  subject: string;
  event: CloudEvent<unknown>;
  traceHeaders: Record<string, string>;
}

/**
 * Characters of event JSON per insert statement. The events of a statement go as one JSON array, one jsonb value:
 * Postgres refuses a jsonb over 256 MB (its binary form takes up to ~6 bytes a character), and the backend holds the
 * text, its parse and the jsonb at once (measured: ~300 MB for 32 M characters). 8 M keep it to tens of MB; the CPU
 * saved by arrays is there from ~100 rows a statement. A transaction staging many large events (a silence page of big
 * alerts) is cut into several statements.
 */
export const OUTBOX_CHARS_PER_STATEMENT = 8 * 1024 * 1024;

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

/** Consecutive statements of at most `maxChars` characters of event JSON each (but for a single larger row, alone). */
export function outboxStatements<T extends { event: string }>(rows: T[], maxChars = OUTBOX_CHARS_PER_STATEMENT): T[][] {
  const statements: T[][] = [];
  let current: T[] = [];
  let chars = 0;
  for (const row of rows) {
    if (current.length > 0 && chars + row.event.length > maxChars) {
      statements.push(current);
      current = [];
      chars = 0;
    }
    current.push(row);
    chars += row.event.length;
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

/**
 * Writes the staged rows in the caller's transaction, in staging order, in as few statements as `maxChars` allows.
 *
 * One array per column, not a VALUES list: with four parameters a row, Postgres parsed and planned each statement
 * over thousands of constants (about half its CPU per row); arrays are planned like a statement of one row. The
 * events go as one JSON array rather than a jsonb[]: an array literal escapes every quote of every event, in this
 * process, and Postgres unescapes it again. ROWS FROM zips the columns in one function scan (no join, no sort: as
 * cheap as the VALUES list for a transaction of one event) and pads a shorter one with NULLs, so a count that does
 * not match fails on NOT NULL instead of pairing an event with another's id.
 */
export async function insertOutboxRows(
  manager: EntityManager,
  schema: string,
  encoded: EncodedStaged[],
  maxChars = OUTBOX_CHARS_PER_STATEMENT,
): Promise<void> {
  for (const rows of outboxStatements(encoded, maxChars)) {
    await manager.query(
      `INSERT INTO ${schema}.outbox (id, subject, event, trace_headers)
       SELECT u.id, u.subject, u.event, u.trace_headers::jsonb
         FROM ROWS FROM (unnest($1::text[]), unnest($2::text[]), jsonb_array_elements($3::jsonb), unnest($4::text[]))
              WITH ORDINALITY AS u(id, subject, event, trace_headers, position)
        ORDER BY u.position
       ON CONFLICT (id) DO NOTHING`,
      [
        rows.map((row) => row.id),
        rows.map((row) => row.subject),
        `[${rows.map((row) => row.event).join(',')}]`,
        rows.map((row) => row.traceHeaders),
      ],
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
