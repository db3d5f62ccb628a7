import { Module } from '@nestjs/common';
import { EventsController } from './events.controller';
import { EventStreamService } from './event-stream.service';

@Module({ controllers: [EventsController], providers: [EventStreamService] })
export class EventsModule {}
