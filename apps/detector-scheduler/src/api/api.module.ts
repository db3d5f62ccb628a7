import { Module } from '@nestjs/common';
import { DefinitionsModule } from '../definitions/definitions.module';
import { RunsModule } from '../runs/runs.module';
import { DetectorsApiService } from './detectors-api.service';
import { DetectorsController } from './detectors.controller';

/** The detectors API: definitions with state, runs, runs on demand. */
@Module({
  imports: [DefinitionsModule, RunsModule],
  controllers: [DetectorsController],
  providers: [DetectorsApiService],
})
export class ApiModule {}
