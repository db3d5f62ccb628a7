import { Module } from '@nestjs/common';
import { SettingsModule } from '../common/settings.module';
import { RunbooksModule } from '../runbooks/runbooks.module';
import { DlqArchiveRepository } from './dlq-archive.repository';
import { StepRunnersProvider } from './step-runners.provider';

/** What each step type does, with the allow-lists and connections it is given. */
@Module({
  imports: [SettingsModule, RunbooksModule],
  providers: [DlqArchiveRepository, StepRunnersProvider],
  exports: [StepRunnersProvider],
})
export class StepsModule {}
