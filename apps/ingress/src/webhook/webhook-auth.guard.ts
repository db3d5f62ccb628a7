import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppError, LOGGER } from '@firebreak/platform';
import { WebhookCredentials } from './webhook-credentials';

const CHALLENGE = 'Bearer realm="firebreak", Basic realm="firebreak", charset="UTF-8"';

/** The webhook's own auth: Alertmanager's bearer token or basic auth, not the API's role tokens. */
@Injectable()
export class WebhookAuthGuard implements CanActivate {
  constructor(
    private readonly credentials: WebhookCredentials,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    // The socket's address, not request.ip: with trustProxy a caller could forge X-Forwarded-For.
    const remoteAddress = request.socket.remoteAddress;
    const outcome = this.credentials.check(request.headers.authorization, remoteAddress);
    switch (outcome) {
      case 'accepted':
        return true;
      case 'not_loopback':
        this.logger.debug({ remoteAddress }, 'webhook call refused: no credentials configured and the caller is not on this host');
        throw new AppError(
          'forbidden',
          'no webhook credentials are configured, so only callers on this host are accepted: set FIREBREAK_WEBHOOK_TOKENS or FIREBREAK_WEBHOOK_BASIC_AUTH',
          403,
        );
      case 'missing':
      case 'invalid':
        this.logger.debug({ remoteAddress, outcome }, 'webhook call refused: bad credentials');
        void http.getResponse<FastifyReply>().header('www-authenticate', CHALLENGE);
        throw new AppError(
          'unauthorized',
          outcome === 'missing' ? 'credentials are required (Authorization: Bearer <token>, or Basic)' : 'the credentials are not valid',
          401,
        );
    }
  }
}
