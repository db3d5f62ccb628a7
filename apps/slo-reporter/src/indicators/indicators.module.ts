import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { IndicatorService } from './indicator.service';

/** An SLO's good and total counts over a range, whatever its source. */
@Module({
  imports: [EventsModule],
  providers: [IndicatorService],
  exports: [IndicatorService],
})
export class IndicatorsModule {}
