import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module';
import { EventCountingService } from './event-counting.service';
import { EventCountsRepository } from './event-counts.repository';
import { EventsConsumer } from './events.consumer';
import { EventPruningPoller } from './event-pruning.poller';

/** Firebreak's own events, counted off the bus into minute buckets. */
@Module({
  imports: [DefinitionsModule],
  providers: [EventCountsRepository, EventCountingService, EventsConsumer, EventPruningPoller],
  exports: [EventCountingService],
})
export class EventsModule {}
