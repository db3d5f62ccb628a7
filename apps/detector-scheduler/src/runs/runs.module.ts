import { Module } from '@nestjs/common';
import { ChecksModule } from '../checks/checks.module';
import { DefinitionsModule } from '../definitions/definitions.module';
import { DetectorRunsService } from './detector-runs.service';
import { DetectorScheduler } from './detector-scheduler';
import { RunsReader, RunsRepository } from './runs.repository';

/** Scheduled and on-demand runs: claim, check, store, hysteresis, events. */
@Module({
  imports: [DefinitionsModule, ChecksModule],
  providers: [RunsRepository, RunsReader, DetectorRunsService, DetectorScheduler],
  exports: [DetectorRunsService, RunsReader, DetectorScheduler],
})
export class RunsModule {}
