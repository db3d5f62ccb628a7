import { Module } from '@nestjs/common';
import { FindingsModule } from '../findings/findings.module';
import { AnalysesRepository } from './analyses.repository';
import { AnalysisConsumer } from './analysis.consumer';
import { AnalysisController } from './analysis.controller';
import { AnalysisService } from './analysis.service';
import { FullAnalyses } from './full-analyses';
import { ShedSummaries } from './shed-summaries';

/** Every newly firing alert analysed (knowledge base, optionally a model), stored and announced as `alerts.analysis`. */
@Module({
  imports: [FindingsModule],
  controllers: [AnalysisController],
  providers: [AnalysesRepository, ShedSummaries, FullAnalyses, AnalysisService, AnalysisConsumer],
})
export class AnalysisModule {}
