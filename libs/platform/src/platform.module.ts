import { DynamicModule, Global, Inject, Injectable, InjectionToken, Module, OnApplicationBootstrap, OnApplicationShutdown, Provider } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { BusConnection, BusModule, EventPublisher, TransactionalMessaging } from '@firebreak/bus';
import { API_TOKENS, ApiTokenGuard } from './auth/api-token.guard';
import { ApiTokens } from './auth/api-tokens';
import { AuditLog } from './auth/audit';
import { buildConfig, ServiceConfig, ServiceOptions } from './config/service-config';
import { openDatabase } from './database/database';
import { HealthController } from './health/health.controller';
import { READINESS_CHECKS, ReadinessCheck } from './health/readiness';
import { createLogger } from './logging/create-logger';
import { MetricsController } from './metrics/metrics.controller';
import { CONFIG, LOGGER } from './platform.tokens';

/** Starts the outbox relay once the app is up and stops it before the bus closes. */
@Injectable()
class OutboxRelayLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(TransactionalMessaging) private readonly messaging: TransactionalMessaging) {}
  onApplicationBootstrap() {
    this.messaging.startRelay();
  }
  onApplicationShutdown() {
    this.messaging.stopRelay();
  }
}

@Injectable()
class DatabaseShutdown implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}
  async onApplicationShutdown() {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/**
 * What every service stands on: validated config, JSON logging, the bus, Postgres with
 * migrations and the outbox where it keeps state, /health, /metrics, API tokens and the audit log.
 */
@Global()
@Module({})
export class PlatformModule {
  static forService<Shape extends z.ZodRawShape>(options: ServiceOptions<Shape>): DynamicModule {
    const providers: Provider[] = [
      { provide: CONFIG, useFactory: () => buildConfig(options) },
      { provide: LOGGER, useFactory: (config: ServiceConfig) => createLogger(config.app, config.LOG_LEVEL), inject: [CONFIG] },
      { provide: API_TOKENS, useFactory: (config: ServiceConfig) => ApiTokens.parse(config.FIREBREAK_API_TOKENS), inject: [CONFIG] },
      ApiTokenGuard,
    ];
    const exported: Array<InjectionToken | Provider> = [CONFIG, LOGGER, API_TOKENS, ApiTokenGuard];
    const readiness: InjectionToken[] = [BusConnection];

    if (options.database) {
      const migrations = options.database.migrations;
      providers.push(
        {
          provide: DataSource,
          useFactory: (config: ServiceConfig, logger: Logger) => openDatabase({ url: config.DATABASE_URL, schema: config.dbSchema, migrations }, logger),
          inject: [CONFIG, LOGGER],
        },
        {
          provide: TransactionalMessaging,
          useFactory: (dataSource: DataSource, publisher: EventPublisher, logger: Logger) => new TransactionalMessaging(dataSource, publisher, logger),
          inject: [DataSource, EventPublisher, LOGGER],
        },
        AuditLog,
        OutboxRelayLifecycle,
        DatabaseShutdown,
      );
      exported.push(DataSource, TransactionalMessaging, AuditLog);
      readiness.push(DataSource);
    }

    providers.push({
      provide: READINESS_CHECKS,
      useFactory: (...deps: unknown[]): ReadinessCheck[] =>
        deps.map((dep) =>
          dep instanceof BusConnection
            ? { name: 'nats', check: async () => void (await dep.ping()) }
            : { name: 'postgres', check: async () => void (await (dep as DataSource).query('SELECT 1')) },
        ),
      inject: readiness,
    });

    return {
      module: PlatformModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        BusModule.forRootAsync({
          inject: [CONFIG, LOGGER],
          useFactory: (config: ServiceConfig, logger: Logger) => ({
            natsUrl: config.NATS_URL,
            app: config.app,
            subjectPrefix: config.FIREBREAK_SUBJECT_PREFIX,
            streamReplicas: config.FIREBREAK_STREAM_REPLICAS,
            publishTimeoutMs: config.FIREBREAK_PUBLISH_TIMEOUT_MS,
            logger,
          }),
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers,
      exports: exported,
    };
  }
}
