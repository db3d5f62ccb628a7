import 'reflect-metadata';
import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AppName } from '@firebreak/contracts';
import { ConfigError } from '../config/config-error';
import { HttpErrorFilter } from '../errors/http-error.filter';
import { createLogger } from '../logging/create-logger';
import { PinoNestLogger } from '../logging/nest-logger';
import { BaseServiceConfig, ServiceConfig } from '../config/service-config';
import { bootServiceConfig } from '../platform.module';
import type { Clock } from '../time/clock';
import { CONFIG, LOGGER } from '../platform.tokens';
import { startTracing } from '../tracing/tracing';
import { serveOpenApiDocs } from './openapi';
import { releaseStartupGarbage } from './startup-memory';

export const DEFAULT_PORTS: Record<AppName, number> = {
  ingress: 8080,
  mapper: 8081,
  'runbook-executor': 8082,
  'detector-scheduler': 8083,
  notifier: 8084,
  'slo-reporter': 8085,
  knowledge: 8086,
};

export interface BootstrapOptions<Config extends BaseServiceConfig = BaseServiceConfig> {
  app: AppName;
  description: string;
  /** Fastify's own body limit, fixed before Nest starts; the ingress sets its webhook limit here. */
  bodyLimit?: (config: Config) => number;
  listen?: boolean;
  /** Tests: the app's CLOCK (e.g. a FakeClock from @firebreak/testing) instead of the system's. */
  clock?: Clock;
}

/** Builds the Nest app on Fastify with the shared error shape, OpenAPI at /docs and shutdown hooks. */
export async function createService<Config extends BaseServiceConfig>(
  module: Type<unknown>,
  options: BootstrapOptions<Config>,
): Promise<NestFastifyApplication> {
  const config = bootServiceConfig(module, options.clock) as Config;
  await startTracing(options.app, config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const adapter = new FastifyAdapter({ bodyLimit: options.bodyLimit?.(config) ?? 1_048_576, trustProxy: true });
  const bootLogger = createLogger(options.app, config.LOG_LEVEL);
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    logger: new PinoNestLogger(bootLogger),
    abortOnError: false,
    bufferLogs: false,
  });
  app.useLogger(new PinoNestLogger(app.get<Logger>(LOGGER)));
  app.useGlobalFilters(new HttpErrorFilter());
  serveOpenApiDocs(app, { app: options.app, description: options.description });
  return app;
}

export async function listen(app: INestApplication, appName: AppName): Promise<string> {
  const config = app.get<ServiceConfig>(CONFIG);
  const port = config.FIREBREAK_HTTP_PORT ?? DEFAULT_PORTS[appName];
  await app.listen(port, config.FIREBREAK_HTTP_HOST);
  const url = await app.getUrl();
  app.get<Logger>(LOGGER).info({ url, docs: `${url}/docs` }, `${appName} listening`);
  return url;
}

/**
 * SIGTERM/SIGINT: drain consumers, finish in-flight work, close connections, exit 0. A second
 * signal while stopping exits at once.
 */
function stopOnSignals(app: INestApplication, appName: AppName): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    const logger = app.get<Logger>(LOGGER);
    logger.info({ signal }, `${appName} stopping`);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/** main.ts of every service: start, or stop at once with a message that says what is wrong. */
export async function runService<Config extends BaseServiceConfig>(
  module: Type<unknown>,
  options: BootstrapOptions<Config>,
): Promise<void> {
  try {
    const app = await createService(module, options);
    await listen(app, options.app);
    stopOnSignals(app, options.app);
    releaseStartupGarbage();
  } catch (error) {
    const text = error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${options.app} failed to start: ${text}\n`);
    process.exit(1);
  }
}
