import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppName } from '@firebreak/contracts';
import { API_TOKENS, ApiTokens, AppError, CONFIG } from '@firebreak/platform';
import { ConsoleConfig, upstreamUrl } from '../service';
import { parseForwardPath } from './forward-path';

/** The only request headers that travel on: no cookies, no Host, no X-Forwarded-*. */
const FORWARDED_REQUEST_HEADERS = ['authorization', 'content-type', 'accept', 'idempotency-key'] as const;
/** What comes back besides status and body: Retry-After tells the page when a 429 or 503 ends. */
const RETURNED_HEADERS = ['content-type', 'retry-after'] as const;

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
  ) {}

  async forward(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { service, pathAndQuery } = parseForwardPath(request.url);
    if (service === 'ingress') this.requireKnownToken(request);
    const target = `${upstreamUrl(this.config, service)}${pathAndQuery}`;
    const upstream = await this.send(service, target, request);
    for (const name of RETURNED_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) void reply.header(name, value);
    }
    await reply.status(upstream.status).send(upstream.body);
  }

  /**
   * The ingress lets callers on its own host post alerts without credentials (FIREBREAK_WEBHOOK_AUTH=loopback),
   * and the console calls it from that host: without this, anyone who reaches the console could post alerts.
   */
  private requireKnownToken(request: FastifyRequest): void {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match || !this.tokens.authenticate(match[1])) {
      throw new AppError('unauthorized', 'forwarding to the ingress needs a valid API token (Authorization: Bearer <token>)', 401);
    }
  }

  private async send(service: AppName, target: string, request: FastifyRequest): Promise<Upstream> {
    const headers = new Headers();
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers.set(name, value);
    }
    const hasBody = request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
    const timeoutMs = this.config.FIREBREAK_CONSOLE_UPSTREAM_TIMEOUT_MS;
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
      throw upstreamError(service, target, timeoutMs, error);
    }
  }
}

function upstreamError(service: AppName, target: string, timeoutMs: number, error: unknown): AppError {
  const base = new URL(target).origin;
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new AppError('upstream_timeout', `${service} (${base}) did not answer within ${timeoutMs} ms`, 504);
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (error as Error).message;
  return new AppError('upstream_unreachable', `${service} (${base}) is unreachable: ${reason}`, 502);
}
