import { HttpStatus } from '@nestjs/common';
import { AppError } from '@firebreak/platform';

// Alertmanager backs off on its own schedule; other callers get a hint.
export const RETRY_AFTER_SECONDS = 5;

/**
 * The alerts could not be handed to JetStream now; the same request may succeed later. A 503 with
 * Retry-After: Alertmanager retries only 5xx and drops every other status (429 included), so
 * anything that could pass later must answer this and never a 4xx.
 */
export class IntakeUnavailableError extends AppError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('unavailable', `${reason}; nothing was lost, retry the same request`, HttpStatus.SERVICE_UNAVAILABLE, undefined, {
      'retry-after': String(RETRY_AFTER_SECONDS),
    });
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
