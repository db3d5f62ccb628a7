import { Global, Module } from '@nestjs/common';
import { BUS_PROVISION_STREAMS } from '@firebreak/bus';

/**
 * The console only reads the bus (core-NATS subscriptions, consumer info): it connects without creating
 * or updating any stream, so starting a console never changes what the services rely on. Global, so the
 * bus module's connection factory sees it.
 */
@Global()
@Module({ providers: [{ provide: BUS_PROVISION_STREAMS, useValue: false }], exports: [BUS_PROVISION_STREAMS] })
export class ReadOnlyBusModule {}
