import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module';
import { IndicatorsModule } from '../indicators/indicators.module';
import { SloEvaluationPoller } from './slo-evaluation.poller';
import { SloEvaluator } from './slo-evaluator.service';
import { SloStateRepository } from './slo-state.repository';
import { SloStatusService } from './slo-status.service';

/** Budget, burn rates and the alerts and state changes they raise. */
@Module({
  imports: [DefinitionsModule, IndicatorsModule],
  providers: [SloStatusService, SloStateRepository, SloEvaluator, SloEvaluationPoller],
  exports: [SloStatusService, SloEvaluator, SloStateRepository],
})
export class EvaluationModule {}
