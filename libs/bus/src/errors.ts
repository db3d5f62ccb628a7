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
