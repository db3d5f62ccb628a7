import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppError, LOGGER } from '@firebreak/platform';
import { WebhookCredentials } from './webhook-credentials';

// Headers a proxy adds for the client it forwards for. A proxy that adds none (a TCP tunnel) still
// looks local: set credentials before putting anything in front of the ingress.
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip', 'via', 'x-forwarded-host', 'x-client-ip', 'true-client-ip'];

const CHALLENGE = 'Bearer realm="firebreak", Basic realm="firebreak", charset="UTF-8"';

/**
 * The webhook's own auth: Alertmanager's bearer token or basic auth, not the API's role tokens.
 * Undefined when the caller may post; otherwise the 401/403 to answer. Shared by the guard (n8n) and
 * the Alertmanager route, which runs it before the body is read.
 */
export function webhookAuthRefusal(credentials: WebhookCredentials, request: FastifyRequest, logger: Logger): AppError | undefined {
  // The socket's address, not request.ip: with trustProxy a caller could forge X-Forwarded-For. Only
  // the loopback mode looks at the caller, so the others skip the address and the proxy headers.
  const byCaller = credentials.mode === 'loopback';
  const remoteAddress = byCaller ? request.socket.remoteAddress : undefined;
  const proxied = byCaller && PROXY_HEADERS.some((name) => request.headers[name] !== undefined);
  const outcome = credentials.check(request.headers.authorization, remoteAddress, proxied);
  switch (outcome) {
    case 'accepted':
      return undefined;
    case 'not_loopback':
      logger.debug({ remoteAddress, proxied }, 'webhook call refused: no credentials configured and the caller is not on this host');
      return new AppError(
        'forbidden',
        'no webhook credentials are configured, so only callers on this host are accepted (not through a proxy): set FIREBREAK_WEBHOOK_TOKENS or FIREBREAK_WEBHOOK_BASIC_AUTH',
        403,
      );
    case 'missing':
    case 'invalid':
      logger.debug({ remoteAddress: request.socket.remoteAddress, outcome }, 'webhook call refused: bad credentials');
      return new AppError(
        'unauthorized',
        outcome === 'missing' ? 'credentials are required (Authorization: Bearer <token>, or Basic)' : 'the credentials are not valid',
        401,
        undefined,
        { 'www-authenticate': CHALLENGE },
      );
  }
}

@Injectable()
export class WebhookAuthGuard implements CanActivate {
  constructor(
    private readonly credentials: WebhookCredentials,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const refusal = webhookAuthRefusal(this.credentials, context.switchToHttp().getRequest<FastifyRequest>(), this.logger);
    if (refusal) throw refusal;
    return true;
  }
}
