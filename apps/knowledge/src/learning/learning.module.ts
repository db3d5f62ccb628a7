import { Module } from '@nestjs/common';
import { DocumentsModule } from '../documents/documents.module';
import { AlertStateLearning } from './alert-state-learning.service';
import { LearningBackupController } from './learning-backup.controller';
import { LearningBackupRepository } from './learning-backup.repository';
import { LearningConsumer } from './learning.consumer';
import { LearningController } from './learning.controller';
import { BusLearningService } from './bus-learning.service';
import { EpisodeRepository } from './episode.repository';
import { IncidentWriteupService } from './incident-writeup.service';
import { LearnService } from './learn.service';
import { LearningStatsRepository } from './learning-stats.repository';
import { LearningService } from './learning.service';
import { RunRepository } from './run.repository';
import { WriteupRetentionService } from './writeup-retention.service';

/** Which runbook fixed which alert: episodes, runs and outcomes from the bus and from people; incident write-ups. */
@Module({
  imports: [DocumentsModule],
  controllers: [LearningController, LearningBackupController],
  providers: [
    EpisodeRepository,
    RunRepository,
    LearningStatsRepository,
    IncidentWriteupService,
    BusLearningService,
    AlertStateLearning,
    LearnService,
    LearningService,
    LearningConsumer,
    WriteupRetentionService,
    LearningBackupRepository,
  ],
  exports: [LearningService],
})
export class LearningModule {}
