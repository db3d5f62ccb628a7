import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { Subject } from '@firebreak/contracts';
import { BusConnection } from '../connection';
import { EventConsumer, EventHandler } from '../consumer';
import { EventPublisher } from '../publisher';
import { SubjectNames } from '../subjects';
import { BUS_OPTIONS, BusModuleOptions } from './bus.options';
import { ON_EVENT, OnEventMetadata } from './on-event.decorator';

/** Finds every @OnEvent handler, runs a durable consumer for it, and drains them all on shutdown. */
@Injectable()
export class ConsumerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumers: Array<EventConsumer<Subject>> = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly connection: BusConnection,
    private readonly publisher: EventPublisher,
    private readonly subjects: SubjectNames,
    @Inject(BUS_OPTIONS) private readonly options: BusModuleOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      for (const method of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const handler = instance[method];
        if (typeof handler !== 'function') continue;
        const metadata = this.reflector.get<OnEventMetadata | undefined>(ON_EVENT, handler);
        if (!metadata) continue;
        const consumer = new EventConsumer(
          this.connection,
          this.publisher,
          this.subjects,
          {
            subject: metadata.subject,
            durable: metadata.durable ?? `${this.options.app}-${metadata.subject.replace(/\./g, '-')}`,
            handler: (handler as EventHandler<Subject>).bind(instance),
            concurrency: metadata.concurrency,
            ackWaitMs: metadata.ackWaitMs,
            retry: metadata.retry,
          },
          this.options.logger,
        );
        await consumer.start();
        this.consumers.push(consumer);
      }
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.drain()));
  }
}
