import { Module } from '@nestjs/common';
import { EventCountingService } from './event-counting.service';
import { EventCountsRepository } from './event-counts.repository';
import { EventsConsumer } from './events.consumer';

/** Firebreak's own events, counted off the bus into minute buckets. */
@Module({
  providers: [EventCountsRepository, EventCountingService, EventsConsumer],
  exports: [EventCountingService],
})
export class EventsModule {}
