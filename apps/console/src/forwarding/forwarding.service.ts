import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppName } from '@firebreak/contracts';
import { API_TOKENS, ApiTokens, AppError, CONFIG, LOGGER } from '@firebreak/platform';
import { ConsoleConfig, upstreamUrl } from '../service';
import { assertRelayable, forwardedFor, forwardTarget, parseForwardPath } from './forward-path';

/** The only request headers that travel on: no cookies, no Host; Forwarded/X-Forwarded-For are the console's own. */
const FORWARDED_REQUEST_HEADERS = ['authorization', 'content-type', 'accept', 'idempotency-key'] as const;
/** What comes back besides status and body: Retry-After tells the page when a 429 or 503 ends. */
const RETURNED_HEADERS = ['content-type', 'retry-after'] as const;
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface Upstream {
  status: number;
  headers: Headers;
  body: Buffer;
}

@Injectable()
export class ForwardingService {
  constructor(
    @Inject(CONFIG) private readonly config: ConsoleConfig,
    @Inject(API_TOKENS) private readonly tokens: ApiTokens,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async forward(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { service, pathAndQuery } = parseForwardPath(request.url);
    // Nobody borrows the console's network position: not even a request the service would refuse itself.
    this.requireKnownToken(request);
    assertRelayable(service, pathAndQuery);
    const target = forwardTarget(upstreamUrl(this.config, service), pathAndQuery);
    const upstream = await this.send(service, target, request);
    for (const name of RETURNED_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) void reply.header(name, value);
    }
    await reply.status(upstream.status).send(upstream.body);
  }

  private requireKnownToken(request: FastifyRequest): void {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match || !this.tokens.authenticate(match[1])) {
      throw new AppError('unauthorized', 'the console forwards only requests with a valid API token (Authorization: Bearer <token>)', 401);
    }
  }

  private async send(service: AppName, target: string, request: FastifyRequest): Promise<Upstream> {
    const headers = new Headers();
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers.set(name, value);
    }
    // The service sees a proxied caller, not a local one: the ingress then refuses its loopback trust.
    const client = forwardedFor(request.socket.remoteAddress);
    headers.set('forwarded', client.forwarded);
    headers.set('x-forwarded-for', client.xForwardedFor);
    const write = !READS.has(request.method);
    const hasBody = request.body !== undefined && write;
    const timeoutMs = write ? this.config.FIREBREAK_CONSOLE_WRITE_TIMEOUT_MS : this.config.FIREBREAK_CONSOLE_UPSTREAM_TIMEOUT_MS;
    try {
      const response = await fetch(target, {
        method: request.method,
        headers,
        // Fastify parsed the body (JSON or text); it goes on as the same document.
        body: hasBody ? (typeof request.body === 'string' ? request.body : JSON.stringify(request.body)) : undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
    } catch (error) {
      this.logger.warn({ err: error, service, target, method: request.method }, 'forwarded request failed');
      throw upstreamError(service, write, timeoutMs, error);
    }
  }
}

/** What the caller learns: the service and what happened, never where the service is (that is logged). */
function upstreamError(service: AppName, write: boolean, timeoutMs: number, error: unknown): AppError {
  if (error instanceof Error && error.name === 'TimeoutError') {
    if (write) {
      return new AppError(
        'upstream_timeout_unknown_outcome',
        `${service} did not answer within ${timeoutMs} ms; the change may still have taken effect: check before retrying`,
        504,
      );
    }
    return new AppError('upstream_timeout', `${service} did not answer within ${timeoutMs} ms`, 504);
  }
  return new AppError('upstream_unreachable', `${service} is unreachable`, 502);
}
