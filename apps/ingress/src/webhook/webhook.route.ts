import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import { AppError, LOGGER } from '@firebreak/platform';
import { isJsonContentType } from '../intake/json-body.guard';
import { WebhookCredentials } from './webhook-credentials';
import { webhookAuthRefusal } from './webhook-auth.guard';
import { parseWebhook } from './webhook-validator';
import { WebhookService } from './webhook.service';

export const ALERTMANAGER_WEBHOOK_PATH = '/api/v1/alerts/alertmanager';

/**
 * Serves Alertmanager's webhook from plain Fastify hooks and a handler: Nest's request pipeline
 * (execution context, guards, pipe, rxjs, exception zone, and their garbage) cost ~13 % of the
 * ingress's CPU per alert on this, its hottest route. WebhookController still declares the route, so
 * /docs describes it and the route-guard rule sees it; when Nest hands that route to Fastify, its
 * handler is swapped for this one.
 *
 * Order: credentials (401/403), then the content type (415), both before the body is read (Nest's
 * guards ran only after Fastify had read and parsed it), so a caller without credentials never makes
 * the ingress parse a megabyte; then Fastify's body limit (413) and JSON parser (400), the webhook's
 * own check (400) and the publish JetStream acknowledges before the 200 (503 + Retry-After otherwise).
 * Every refusal is an AppError handed to Fastify, so it leaves through the app's error handler in
 * the shared `{ error }` shape, logged as before;
 * request metrics are counted by RequestMetrics' onResponse hook, as for any route.
 */
@Injectable()
export class WebhookRoute implements OnApplicationBootstrap {
  private served = false;

  constructor(
    adapterHost: HttpAdapterHost,
    private readonly credentials: WebhookCredentials,
    private readonly webhooks: WebhookService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    // In the constructor: Nest registers its routes with Fastify before any onModuleInit, and an
    // onRoute hook sees only the routes registered after it.
    adapterHost.httpAdapter.getInstance<FastifyInstance>().addHook('onRoute', (route) => this.serve(route));
  }

  /** A route that Nest still serves would be slow, not wrong: refuse to start so it is noticed. */
  onApplicationBootstrap(): void {
    if (!this.served) throw new Error(`WebhookRoute found no POST ${ALERTMANAGER_WEBHOOK_PATH} route to serve`);
  }

  private serve(route: RouteOptions): void {
    if (route.method !== 'POST' || route.url !== ALERTMANAGER_WEBHOOK_PATH) return;
    route.onRequest = [...toArray(route.onRequest), (request, _reply, done) => done(this.refusal(request))];
    route.handler = (request) => this.webhooks.receive(parseWebhook(request.body));
    this.served = true;
  }

  private refusal(request: FastifyRequest): AppError | undefined {
    const refusal = webhookAuthRefusal(this.credentials, request, this.logger);
    if (refusal) return refusal;
    if (!isJsonContentType(request.headers['content-type'])) {
      return new AppError('unsupported_media_type', 'the body must be JSON (Content-Type: application/json)', 415);
    }
    return undefined;
  }
}

const toArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
