import { Module } from '@nestjs/common';
import { SloStatesConsumer } from './slo-states.consumer';
import { SloStatesController } from './slo-states.controller';
import { SloStatesRepository } from './slo-states.repository';
import { SloStatesService } from './slo-states.service';

/** SLO states from `slo.budget.changed`, for runbook conditions and `GET /api/v1/slo-states`. */
@Module({
  controllers: [SloStatesController],
  providers: [SloStatesRepository, SloStatesService, SloStatesConsumer],
  exports: [SloStatesService],
})
export class SloStatesModule {}
