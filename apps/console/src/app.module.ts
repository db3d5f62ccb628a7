import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { ReadOnlyBusModule } from './bus/read-only-bus.module';
import { EventsModule } from './events/events.module';
import { ForwardingModule } from './forwarding/forwarding.module';
import { McpModule } from './mcp/mcp.module';
import { ConsoleHealthModule } from './health/console-health.module';
import { SERVICE } from './service';
import { SessionModule } from './session/session.module';
import { SpaModule } from './spa/spa.module';

// The SPA's catch-all route comes last; the router prefers the more specific routes anyway.
@Module({
  imports: [
    ReadOnlyBusModule,
    PlatformModule.forService(SERVICE),
    SessionModule,
    EventsModule,
    ConsoleHealthModule,
    ForwardingModule,
    McpModule,
    SpaModule,
  ],
})
export class AppModule {}
