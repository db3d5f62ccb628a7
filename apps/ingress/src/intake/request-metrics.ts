import { HttpAdapterHost } from '@nestjs/core';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { LOGGER } from '@firebreak/platform';
import { ingressMetrics } from '../metrics';

/** The alert endpoints, by route pattern, as the `endpoint` label names them. */
export const ALERT_ENDPOINTS: Record<string, string> = {
  '/api/v1/alerts/alertmanager': 'alertmanager',
  '/api/v1/alerts': 'custom',
  '/webhooks/n8n/incident': 'n8n',
};

/**
 * Why a request was refused, from its status. Fastify refuses bad JSON before Nest runs, leaving no
 * body; a body that parsed but failed the schema is the service's own 400.
 */
export function rejectionReason(status: number, bodyParsed: boolean): string {
  switch (status) {
    case 400:
      return bodyParsed ? 'invalid_payload' : 'invalid_json';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 413:
      return 'too_large';
    case 415:
      return 'unsupported_media_type';
    case 503:
      return 'unavailable';
    default:
      return `http_${status}`;
  }
}

/**
 * Counts rejections and times requests in Fastify's onResponse hook: the one place that also sees
 * what Fastify refuses itself (too large, bad JSON, unknown content type) before Nest runs.
 */
@Injectable()
export class RequestMetrics implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request, reply, done) => {
      const endpoint = ALERT_ENDPOINTS[request.routeOptions.url ?? ''];
      if (endpoint) {
        const status = reply.statusCode;
        ingressMetrics.requestDuration.observe({ endpoint, status: String(status) }, reply.elapsedTime / 1000);
        if (status >= 400) this.countRejection(endpoint, status, request.body !== undefined);
      }
      done();
    });
  }

  private countRejection(endpoint: string, status: number, bodyParsed: boolean): void {
    const reason = rejectionReason(status, bodyParsed);
    ingressMetrics.rejected.inc({ reason });
    // Alertmanager drops a notification it gets a 4xx for: an oversized group is lost, say so.
    if (reason === 'too_large') {
      this.logger.warn(
        { endpoint },
        'a request over FIREBREAK_WEBHOOK_MAX_BYTES was refused with 413 and its alerts are lost: raise the limit or set max_alerts on the receiver',
      );
    }
  }
}
