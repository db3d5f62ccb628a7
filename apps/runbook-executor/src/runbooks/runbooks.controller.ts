import { Body, Controller, Delete, Get, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { RunbookIdSchema } from '../common/ids';
import { RunbookCatalogService } from './runbook-catalog.service';
import { RunbookViews } from './runbook-views';
import { parseStoreBody } from './stored-runbooks.dto';
import { StoredRunbooksService } from './stored-runbooks.service';

@ApiTags('runbooks')
@Controller('api/v1/runbooks')
export class RunbooksController {
  constructor(
    private readonly catalog: RunbookCatalogService,
    private readonly stored: StoredRunbooksService,
  ) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Runbooks in force (files, and those stored by API), and the ones that failed validation with their problems.' })
  list() {
    return RunbookViews.list(this.catalog);
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'A runbook: definition, prose (Markdown), where it comes from (file or API, version) and load errors.' })
  get(@Param('id', new ZodPipe(RunbookIdSchema)) id: string) {
    return RunbookViews.get(this.catalog, id);
  }

  @Put(':id')
  @RequireRole('admin')
  @ApiOperation({
    summary:
      'Stores a new version of a runbook (JSON, or YAML with Content-Type: application/yaml; optional `prose`), validated like a file; ' +
      'it overrides a shipped file of the same id and takes effect on every replica without a restart.',
  })
  put(@Param('id', new ZodPipe(RunbookIdSchema)) id: string, @Body() body: unknown, @Principal() principal: ApiPrincipal) {
    return this.stored.store(id, parseStoreBody(body), principal.name);
  }

  @Delete(':id')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Removes the stored runbook (recorded as a new version); a shipped file of the same id is in force again.' })
  remove(@Param('id', new ZodPipe(RunbookIdSchema)) id: string, @Principal() principal: ApiPrincipal) {
    return this.stored.remove(id, principal.name);
  }

  @Get(':id/versions')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Every stored version of a runbook, newest first, and which one is in force.' })
  versions(@Param('id', new ZodPipe(RunbookIdSchema)) id: string) {
    return this.stored.versions(id);
  }
}
