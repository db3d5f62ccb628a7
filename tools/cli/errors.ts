/**
 * Exit codes: 0 ok, 1 API error or bad input, 2 usage (commander's own, and ids that cannot be one), 3 a service
 * cannot be reached (nothing was sent) or did not answer a read, 4 a change was sent but no answer came back, so
 * it may have taken effect: check before retrying.
 */
export const EXIT = { ok: 0, error: 1, usage: 2, unreachable: 3, unknownOutcome: 4 } as const;

/** A failure the CLI reports as one line on stderr with its exit code, never as a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
    /** The HTTP status when the API answered, for callers that treat e.g. 404 specially. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
