import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import {
  CreateDocument,
  createDocumentSchema,
  documentParamsSchema,
  ListDocuments,
  listDocumentsSchema,
  UpdateDocument,
  updateDocumentSchema,
} from './documents.dto';
import { DocumentsService } from './documents.service';

@ApiTags('knowledge')
@Controller('api/v1/knowledge/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Documents, newest change first (type, source, limit, offset)' })
  list(@Query(new ZodPipe(listDocumentsSchema)) query: ListDocuments) {
    return this.documents.list(query);
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One document with the list of its previous versions' })
  get(@Param(new ZodPipe(documentParamsSchema)) params: { id: string }) {
    return this.documents.get(params.id);
  }

  @Post()
  @HttpCode(201)
  @RequireRole('admin')
  @ApiOperation({ summary: 'Create a document (seed 001: title, type, severity, content, tags, metadata); audited' })
  create(@Body(new ZodPipe(createDocumentSchema)) body: CreateDocument, @Principal() principal: ApiPrincipal) {
    return this.documents.create(body, principal);
  }

  @Put(':id')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Replace a document: the old content is kept as a version; `version` guards against lost updates; audited' })
  update(
    @Param(new ZodPipe(documentParamsSchema)) params: { id: string },
    @Body(new ZodPipe(updateDocumentSchema)) body: UpdateDocument,
    @Principal() principal: ApiPrincipal,
  ) {
    return this.documents.update(params.id, body, principal);
  }
}
