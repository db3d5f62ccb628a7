import { Module } from '@nestjs/common';
import { SettingsModule } from '../common/settings.module';
import { RunbookCatalogService } from './runbook-catalog.service';
import { RunbooksController } from './runbooks.controller';

/** The runbook catalogue: the files loaded at start and the API that shows them. */
@Module({
  imports: [SettingsModule],
  controllers: [RunbooksController],
  providers: [RunbookCatalogService],
  exports: [RunbookCatalogService],
})
export class RunbooksModule {}
