import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { OpsHealthController } from './ops-health.controller';

/** Seed 004's GET /api/v1/ops/health, from the counted bus events. */
@Module({ imports: [EventsModule], controllers: [OpsHealthController] })
export class OpsHealthModule {}
