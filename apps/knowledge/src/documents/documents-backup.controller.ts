import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { documentParamsSchema } from './documents.dto';
import { BackupPage, backupPageSchema, RestoreDocument, restoreDocumentSchema } from './documents-backup.dto';
import { DocumentsService } from './documents.service';

/**
 * What `npm run backup` / `npm run restore` need beyond the documents API: every document a backup keeps, paged
 * in a stable order, and putting one back under its own id (POST makes a new id; write-ups have none by API).
 */
@ApiTags('knowledge')
@Controller('api/v1/knowledge/backup/documents')
export class DocumentsBackupController {
  constructor(private readonly documents: DocumentsService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary: 'Documents written by people or from incidents, in id order (`after`, `limit`), with `next` for the following page',
  })
  page(@Query(new ZodPipe(backupPageSchema)) query: BackupPage) {
    return this.documents.pageForBackup(query.after, query.limit);
  }

  @Put(':id')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Restore a document under its id (created, or replaced keeping the old version); unchanged content changes nothing; audited',
  })
  restore(
    @Param(new ZodPipe(documentParamsSchema)) params: { id: string },
    @Body(new ZodPipe(restoreDocumentSchema)) body: RestoreDocument,
    @Principal() principal: ApiPrincipal,
  ) {
    return this.documents.restore(params.id, body, principal);
  }
}
