import { Module } from '@nestjs/common';
import { DocumentsModule } from '../documents/documents.module';
import { CatalogConsumer } from './catalog.consumer';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';

/** The runbook catalogue: shipped files at start, `runbooks.catalog.changed` afterwards. */
@Module({
  imports: [DocumentsModule],
  providers: [CatalogRepository, CatalogService, CatalogConsumer],
  exports: [CatalogService],
})
export class CatalogModule {}
