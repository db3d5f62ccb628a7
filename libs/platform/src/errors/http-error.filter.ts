import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AppError } from './app-error';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  503: 'unavailable',
};

/** Every HTTP error leaves in one shape: `{ error: { code, message, details } }`. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = this.describe(exception);
    if (status >= 500 && status !== 503) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    if (exception instanceof AppError) for (const [name, value] of Object.entries(exception.headers)) void reply.header(name, value);
    void reply.status(status).send(body);
  }

  private describe(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof AppError) {
      return {
        status: exception.status,
        body: { error: { code: exception.code, message: exception.message, details: exception.details } },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const fromResponse =
        typeof response === 'object' && response !== null
          ? (response as { error?: ErrorBody['error']; message?: unknown; details?: unknown })
          : {};
      // Terminus' readiness report keeps its own shape: probes and operators read it as is.
      if (status === 503 && fromResponse.details !== undefined) return { status, body: response as ErrorBody };
      if (fromResponse.error && typeof fromResponse.error === 'object') return { status, body: { error: fromResponse.error } };
      const message = Array.isArray(fromResponse.message)
        ? fromResponse.message.join('; ')
        : String(fromResponse.message ?? exception.message);
      return { status, body: { error: { code: CODES[status] ?? `http_${status}`, message } } };
    }
    // Fastify's own errors (body too large, bad JSON, wrong content type) carry a statusCode.
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode < 500) {
      const status = fastifyError.statusCode;
      return { status, body: { error: { code: CODES[status] ?? `http_${status}`, message: fastifyError.message ?? 'bad request' } } };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: { code: 'internal', message: 'internal error' } } };
  }
}
