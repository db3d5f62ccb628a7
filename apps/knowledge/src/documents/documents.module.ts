import { Module } from '@nestjs/common';
import { DocumentsController } from './documents.controller';
import { DocumentsBackupController } from './documents-backup.controller';
import { DocumentsRepository } from './documents.repository';
import { DocumentsService } from './documents.service';
import { TemplatesLoader } from './templates';

/** Documents: the versioned store every other feature writes through (DocumentsService), and its API. */
@Module({
  controllers: [DocumentsController, DocumentsBackupController],
  providers: [DocumentsRepository, DocumentsService, TemplatesLoader],
  exports: [DocumentsService],
})
export class DocumentsModule {}
