import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module';
import { EvaluationModule } from '../evaluation/evaluation.module';
import { IndicatorsModule } from '../indicators/indicators.module';
import { ComplianceService } from './compliance.service';
import { DailyReportPoller } from './daily-report.poller';
import { ReportsController } from './reports.controller';
import { SlosService } from './slos.service';

/** The SLO API (seed 004's compliance shapes, status, rules) and slo.report, daily and on demand. */
@Module({
  imports: [DefinitionsModule, IndicatorsModule, EvaluationModule],
  controllers: [ReportsController],
  providers: [ComplianceService, SlosService, DailyReportPoller],
})
export class ReportsModule {}
