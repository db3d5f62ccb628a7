import { DynamicModule, Injectable, Module, OnApplicationShutdown, type InjectionToken, type ModuleMetadata } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { streamDefinitions } from '@firebreak/contracts';
import { BusConnection } from '../connection';
import { EventPublisher } from '../publisher';
import { provisionStreams } from '../streams';
import { SubjectNames } from '../subjects';
import { BUS_OPTIONS, BusModuleOptions } from './bus.options';
import { ConsumerHost } from './consumer-host';

/**
 * Provide `false` under this token (from a global module of the app) to connect without creating or
 * updating streams: an app that only reads the bus (the console) must not change what others rely on.
 */
export const BUS_PROVISION_STREAMS = Symbol('firebreak:bus-provision-streams');

/** Closes the connection last, after the consumers drained and the outbox relay stopped. */
@Injectable()
class BusShutdown implements OnApplicationShutdown {
  constructor(
    private readonly connection: BusConnection,
    private readonly publisher: EventPublisher,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.publisher.close();
    await this.connection.drain();
  }
}

@Module({})
export class BusModule {
  static forRootAsync(options: {
    imports?: ModuleMetadata['imports'];
    inject?: InjectionToken[];
    useFactory: (...args: never[]) => BusModuleOptions;
  }): DynamicModule {
    return {
      module: BusModule,
      global: true,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      providers: [
        { provide: BUS_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        { provide: SubjectNames, useFactory: (o: BusModuleOptions) => new SubjectNames(o.subjectPrefix), inject: [BUS_OPTIONS] },
        {
          provide: BusConnection,
          useFactory: async (o: BusModuleOptions, provision?: boolean) => {
            const connection = await BusConnection.connect({ natsUrl: o.natsUrl, name: o.app, logger: o.logger });
            if (provision === false) return connection;
            await provisionStreams(
              connection.jsm,
              streamDefinitions({ subjectPrefix: o.subjectPrefix, replicas: o.streamReplicas }),
              o.logger,
            );
            return connection;
          },
          inject: [BUS_OPTIONS, { token: BUS_PROVISION_STREAMS, optional: true }],
        },
        {
          provide: EventPublisher,
          useFactory: (connection: BusConnection, o: BusModuleOptions, subjects: SubjectNames) =>
            new EventPublisher(connection, { source: o.app, subjects, publishTimeoutMs: o.publishTimeoutMs }),
          inject: [BusConnection, BUS_OPTIONS, SubjectNames],
        },
        ConsumerHost,
        BusShutdown,
      ],
      exports: [BUS_OPTIONS, SubjectNames, BusConnection, EventPublisher],
    };
  }
}
