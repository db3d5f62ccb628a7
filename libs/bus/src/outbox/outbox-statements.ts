import type { CloudEvent } from '@firebreak/contracts';

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
