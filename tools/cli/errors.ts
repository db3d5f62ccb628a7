/** Exit codes: 0 ok, 1 API or usage error, 2 usage (commander's own), 3 a service cannot be reached. */
export const EXIT = { ok: 0, error: 1, usage: 2, unreachable: 3 } as const;

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
