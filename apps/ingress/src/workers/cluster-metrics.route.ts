import cluster from 'node:cluster';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { register } from 'prom-client';
import { clusterMetrics } from './cluster-metrics';

/**
 * With several ingress workers on one port, a scrape of /metrics reaches one of them: it answers
 * with every worker's metrics summed (from the primary), never only its own share.
 */
@Injectable()
export class ClusterMetricsRoute implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    if (!cluster.isWorker) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'GET' || request.url.split('?', 1)[0] !== '/metrics') return;
      try {
        const text = await clusterMetrics();
        return reply.header('content-type', register.contentType).send(text);
      } catch (error) {
        return reply.code(503).send({ error: { code: 'unavailable', message: error instanceof Error ? error.message : String(error) } });
      }
    });
  }
}
