import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppError, LOGGER } from '@firebreak/platform';
import { WebhookCredentials } from './webhook-credentials';

// Headers a proxy adds for the client it forwards for. A proxy that adds none (a TCP tunnel) still
// looks local: set credentials before putting anything in front of the ingress.
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'via', 'x-forwarded-host', 'x-client-ip', 'true-client-ip'];

const CHALLENGE = 'Bearer realm="firebreak", Basic realm="firebreak", charset="UTF-8"';

/** The webhook's own auth: Alertmanager's bearer token or basic auth, not the API's role tokens. */
@Injectable()
export class WebhookAuthGuard implements CanActivate {
  constructor(
    private readonly credentials: WebhookCredentials,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // The socket's address, not request.ip: with trustProxy a caller could forge X-Forwarded-For.
    const remoteAddress = request.socket.remoteAddress;
    const proxied = PROXY_HEADERS.some((name) => request.headers[name] !== undefined);
    const outcome = this.credentials.check(request.headers.authorization, remoteAddress, proxied);
    switch (outcome) {
      case 'accepted':
        return true;
      case 'not_loopback':
        this.logger.debug({ remoteAddress, proxied }, 'webhook call refused: no credentials configured and the caller is not on this host');
        throw new AppError(
          'forbidden',
          'no webhook credentials are configured, so only callers on this host are accepted (not through a proxy): set FIREBREAK_WEBHOOK_TOKENS or FIREBREAK_WEBHOOK_BASIC_AUTH',
          403,
        );
      case 'missing':
      case 'invalid':
        this.logger.debug({ remoteAddress, outcome }, 'webhook call refused: bad credentials');
        throw new AppError(
          'unauthorized',
          outcome === 'missing' ? 'credentials are required (Authorization: Bearer <token>, or Basic)' : 'the credentials are not valid',
          401,
          undefined,
          { 'www-authenticate': CHALLENGE },
        );
    }
  }
}
