import {
  BeforeApplicationShutdown,
  DynamicModule,
  Global,
  Inject,
  Injectable,
  InjectionToken,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Provider,
  Type,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { BusConnection, BusModule, EventPublisher, TransactionalMessaging } from '@firebreak/bus';
import { API_TOKENS, ApiTokenGuard } from './auth/api-token.guard';
import { ApiTokens } from './auth/api-tokens';
import { AuditLog } from './auth/audit';
import { BaseServiceConfig, buildConfig, ServiceConfig, ServiceOptions } from './config/service-config';
import { openDatabase } from './database/database';
import { HealthController } from './health/health.controller';
import { READINESS_CHECKS, ReadinessCheck } from './health/readiness';
import { createLogger } from './logging/create-logger';
import { MetricsController } from './metrics/metrics.controller';
import { CONFIG, LOGGER } from './platform.tokens';
import { Clock, CLOCK, systemClock } from './time/clock';

/** Starts the outbox relay once the app is up and stops it before the bus closes. */
@Injectable()
class OutboxRelayLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(TransactionalMessaging) private readonly messaging: TransactionalMessaging) {}
  onApplicationBootstrap() {
    this.messaging.startRelay();
  }
  // Before shutdown, not on it: a sweep in flight needs both NATS and Postgres, closed on shutdown.
  beforeApplicationShutdown(): Promise<void> {
    return this.messaging.stopRelay();
  }
}

@Injectable()
class DatabaseShutdown implements OnApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TransactionalMessaging) private readonly messaging: TransactionalMessaging,
  ) {}
  async onApplicationShutdown() {
    // A request served after the relay stopped still publishes and queues the delete of its outbox rows: wait for it,
    // or those rows are published again by another replica's relay.
    await this.messaging.deletesIdle();
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
    const boot: BootConfig = { options };
    const providers: Provider[] = [
      // createService builds the config once before Nest starts (and reports a bad environment
      // there); a module compiled without it (Test.createTestingModule) builds its own.
      { provide: CONFIG, useFactory: () => boot.config ?? buildConfig(options) },
      { provide: LOGGER, useFactory: (config: ServiceConfig) => createLogger(config.app, config.LOG_LEVEL), inject: [CONFIG] },
      { provide: API_TOKENS, useFactory: (config: ServiceConfig) => ApiTokens.parse(config.FIREBREAK_API_TOKENS), inject: [CONFIG] },
      ApiTokenGuard,
      // A clock of its own per app, so a test that moves one app's time moves no other's.
      {
        provide: CLOCK,
        useFactory: (): Clock => boot.clock ?? { now: () => systemClock.now(), sleep: (ms, signal) => systemClock.sleep(ms, signal) },
      },
    ];
    const exported: Array<InjectionToken | Provider> = [CONFIG, LOGGER, API_TOKENS, ApiTokenGuard, CLOCK];
    const readiness: InjectionToken[] = [BusConnection];

    if (options.database) {
      const migrations = options.database.migrations;
      providers.push(
        {
          provide: DataSource,
          useFactory: (config: ServiceConfig, logger: Logger) =>
            openDatabase(
              { url: config.DATABASE_URL, schema: config.dbSchema, migrations, applicationName: `firebreak-${config.app}` },
              logger,
            ),
          inject: [CONFIG, LOGGER],
        },
        {
          provide: TransactionalMessaging,
          useFactory: (dataSource: DataSource, publisher: EventPublisher, logger: Logger) =>
            new TransactionalMessaging(dataSource, publisher, logger),
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

    const dynamic: DynamicModule = {
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
    BOOT_CONFIGS.set(dynamic, boot);
    return dynamic;
  }
}

interface BootConfig {
  options: ServiceOptions<z.ZodRawShape>;
  config?: BaseServiceConfig;
  clock?: Clock;
}

const BOOT_CONFIGS = new WeakMap<DynamicModule, BootConfig>();

/**
 * Builds the config of the service `appModule` imports `PlatformModule.forService(...)` for, and
 * hands that very object to the module's CONFIG provider: the environment is read once per start.
 * `clock` (tests) replaces the app's CLOCK.
 */
export function bootServiceConfig(appModule: Type<unknown>, clock?: Clock): BaseServiceConfig {
  const imports = (Reflect.getMetadata('imports', appModule) ?? []) as unknown[];
  const boot = imports.map((entry) => BOOT_CONFIGS.get(entry as DynamicModule)).find((found) => found !== undefined);
  if (!boot) throw new Error(`${appModule.name} does not import PlatformModule.forService(...)`);
  const config: BaseServiceConfig = buildConfig(boot.options);
  boot.config = config;
  boot.clock = clock;
  return config;
}
