import { Module } from '@nestjs/common';
import { DocumentsModule } from '../documents/documents.module';
import { LearningConsumer } from './learning.consumer';
import { LearningController } from './learning.controller';
import { LearningRepository } from './learning.repository';
import { LearningService } from './learning.service';

/** Which runbook fixed which alert: episodes, runs and outcomes from the bus and from people; incident write-ups. */
@Module({
  imports: [DocumentsModule],
  controllers: [LearningController],
  providers: [LearningRepository, LearningService, LearningConsumer],
  exports: [LearningService],
})
export class LearningModule {}
