import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module';
import { HeartbeatEventsConsumer } from './heartbeat-events.consumer';
import { HeartbeatsController } from './heartbeats.controller';
import { HeartbeatsRepository } from './heartbeats.repository';
import { HeartbeatsService } from './heartbeats.service';

/** POST /api/v1/heartbeats/:id, beats from matching bus events, and the stored beats `heartbeat` detectors read. */
@Module({
  imports: [DefinitionsModule],
  controllers: [HeartbeatsController],
  providers: [HeartbeatsRepository, HeartbeatsService, HeartbeatEventsConsumer],
  exports: [HeartbeatsService],
})
export class HeartbeatsModule {}
