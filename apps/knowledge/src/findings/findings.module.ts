import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { DocumentsModule } from '../documents/documents.module';
import { LearningModule } from '../learning/learning.module';
import { SearchModule } from '../search/search.module';
import { KnowledgeFindings } from './findings';
import { FindingsService } from './findings.service';

/** The in-process port for other features (recommendations, the alert analysis): inject `KnowledgeFindings`. */
@Module({
  imports: [LearningModule, CatalogModule, SearchModule, DocumentsModule],
  providers: [FindingsService, { provide: KnowledgeFindings, useExisting: FindingsService }],
  exports: [KnowledgeFindings],
})
export class FindingsModule {}
