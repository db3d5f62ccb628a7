import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError } from '@firebreak/platform';

export function isJsonContentType(header: string | undefined): boolean {
  return header?.split(';', 1)[0].trim().toLowerCase() === 'application/json';
}

/** Fastify also parses text and form bodies; the alert endpoints take JSON only. */
@Injectable()
export class JsonBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!isJsonContentType(request.headers['content-type'])) {
      throw new AppError('unsupported_media_type', 'the body must be JSON (Content-Type: application/json)', 415);
    }
    return true;
  }
}
