import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole, ZodPipe } from '@firebreak/platform';
import { RunbookIdSchema } from '../common/ids';
import { RunbookCatalogService } from './runbook-catalog.service';
import { RunbookViews } from './runbook-views';

@ApiTags('runbooks')
@Controller('api/v1/runbooks')
export class RunbooksController {
  constructor(private readonly catalog: RunbookCatalogService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Loaded runbooks, and the files that failed validation with their problems.' })
  list() {
    return RunbookViews.list(this.catalog);
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'A runbook: definition, prose (Markdown) and load errors.' })
  get(@Param('id', new ZodPipe(RunbookIdSchema)) id: string) {
    return RunbookViews.get(this.catalog, id);
  }
}
