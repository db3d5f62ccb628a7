/**
 * What a handler throws says whether trying again can help. Settlement (settlement.ts) turns it
 * into ack / nak-with-backoff / dead letter, so handlers never touch the message.
 */
export class RetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableError';
  }
}

/** Retrying cannot help (bad reference, rule violation): dead-letter at once. */
export class PermanentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

/** An event larger than the NATS server's max_payload: no retry can ever publish it. */
export class PayloadTooLargeError extends PermanentError {
  constructor(
    readonly subject: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`an event of ${bytes} bytes on ${subject} is larger than the NATS server's max_payload (${maxBytes} bytes)`);
    this.name = 'PayloadTooLargeError';
  }
}

/** JetStream did not acknowledge a publish (down, timed out, no stream): the caller may retry later. */
export class PublishError extends RetryableError {
  constructor(
    message: string,
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PublishError';
  }
}

/**
 * A dependency (Postgres, a provider) is unreachable. Not the message's fault: settlement retries it
 * for as long as the outage lasts instead of counting it towards dead-lettering.
 */
export class DependencyUnavailableError extends RetryableError {
  constructor(
    readonly dependency: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${dependency} is unavailable: ${options?.cause instanceof Error ? options.cause.message : String(options?.cause ?? '')}`,
      options,
    );
    this.name = 'DependencyUnavailableError';
  }
}

// Node socket errors, and the Postgres SQLSTATEs that retrying fixes: the connection codes of class 08
// (not 08P01, a protocol violation such as too many parameters, which fails the same way again), 57P01-03
// (admin shutdown, crash shutdown, cannot connect now), class 53 (disk full, out of memory, too many
// connections: an alert dead-lettered because the disk filled for a minute would be lost), 55P03 (lock not
// available: a lock_timeout behind a migration or a long transaction), 25006 (read-only transaction: a standby
// during failover), 40001 (serialization failure), 40P01 (deadlock). Not 57014 (query cancelled): a step's or a
// check's own statement_timeout raises it, and that is its answer, not an outage.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN']);
const TRANSIENT_SQLSTATES = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '57P01',
  '57P02',
  '57P03',
  '53000',
  '53100',
  '53200',
  '53300',
  '55P03',
  '25006',
  '40001',
  '40P01',
]);

/**
 * Whether trying the same thing again later can succeed: the dependency was away or busy, not the
 * input wrong. Duck-typed rather than `instanceof Error`: socket errors may come from another realm
 * (vm, jest), and TypeORM wraps the driver's error (its `code`, or `driverError.code`).
 */
export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, driverError } = error as { code?: unknown; message?: unknown; driverError?: unknown };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || TRANSIENT_SQLSTATES.has(code))) return true;
  if (driverError !== undefined && driverError !== error && isConnectionFailure(driverError)) return true;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    )
  );
}

/**
 * What to throw when a Postgres call failed: its connection failures as an outage (DependencyUnavailableError), which
 * the consumer waits out without counting it against the message, anything else as it is. For the statements a
 * service runs outside TransactionalMessaging (which does the same), e.g. a Batcher's read.
 */
export function asPostgresOutage(error: unknown): unknown {
  return isConnectionFailure(error) ? new DependencyUnavailableError('postgres', { cause: error }) : error;
}

// Conflicts with other transactions, not an absent database: a smaller transaction, or the same one again, may win.
const CONFLICT_SQLSTATES = new Set(['40001', '40P01', '55P03']);

/**
 * Whether the dependency is away (down, unreachable, out of connections or disk): nothing sent to it now can
 * succeed, so trying the same work again at once, or in smaller pieces, only waits out more timeouts. A
 * DependencyUnavailableError or a connection failure, unless what it comes from is a conflict with another
 * transaction (serialization failure, deadlock, lock timeout), which the next attempt may well win.
 */
export function isOutage(error: unknown): boolean {
  if (!(error instanceof DependencyUnavailableError) && !isConnectionFailure(error)) return false;
  return !causedByConflict(error, 0);
}

function causedByConflict(error: unknown, depth: number): boolean {
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { code, driverError, cause } = error as { code?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof code === 'string' && CONFLICT_SQLSTATES.has(code)) return true;
  return causedByConflict(driverError, depth + 1) || causedByConflict(cause, depth + 1);
}
