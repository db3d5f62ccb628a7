import { Module } from '@nestjs/common';
import { SettingsModule } from '../common/settings.module';
import { RunbookCatalogService } from './runbook-catalog.service';
import { RunbooksController } from './runbooks.controller';
import { StoredRunbooksRepository } from './stored-runbooks.repository';
import { StoredRunbooksService } from './stored-runbooks.service';
import { YamlBodyParser } from './yaml-body.parser';

/** The runbook catalogue: the files loaded at start, the runbooks stored by API over them, and the API of both. */
@Module({
  imports: [SettingsModule],
  controllers: [RunbooksController],
  providers: [RunbookCatalogService, StoredRunbooksRepository, StoredRunbooksService, YamlBodyParser],
  exports: [RunbookCatalogService],
})
export class RunbooksModule {}
