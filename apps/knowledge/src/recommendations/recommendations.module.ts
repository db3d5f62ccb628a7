import { Module } from '@nestjs/common';
import { FindingsModule } from '../findings/findings.module';
import { LearningModule } from '../learning/learning.module';
import { RecommendationsController } from './recommendations.controller';
import { RecommendationsService } from './recommendations.service';

/** GET /api/v1/knowledge/recommendations, answered from the findings. */
@Module({
  imports: [FindingsModule, LearningModule],
  controllers: [RecommendationsController],
  providers: [RecommendationsService],
})
export class RecommendationsModule {}
