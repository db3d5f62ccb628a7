import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

// Alertmanager backs off on its own schedule; other callers get a hint.
export const RETRY_AFTER_SECONDS = 5;

/** The alerts could not be handed to JetStream now; the same request may succeed later. */
export class IntakeUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntakeUnavailableError';
  }
}

/**
 * 503 with Retry-After: Alertmanager retries only 5xx and drops every other status (429 included),
 * so anything that could pass later must answer this and never a 4xx.
 */
@Catch(IntakeUnavailableError)
export class IntakeUnavailableFilter implements ExceptionFilter {
  catch(exception: IntakeUnavailableError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply
      .status(503)
      .header('retry-after', String(RETRY_AFTER_SECONDS))
      .send({ error: { code: 'unavailable', message: `${exception.message}; nothing was lost, retry the same request` } });
  }
}
