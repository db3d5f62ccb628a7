import { HttpStatus } from '@nestjs/common';

/** An error that is part of the API: a stable code, an HTTP status, and details for the caller. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: HttpStatus = HttpStatus.BAD_REQUEST,
    readonly details?: unknown,
    /** Sent with the error response, e.g. `Retry-After` on a 503 or 429. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, id: string) => new AppError('not_found', `${what} ${id} does not exist`, HttpStatus.NOT_FOUND);
