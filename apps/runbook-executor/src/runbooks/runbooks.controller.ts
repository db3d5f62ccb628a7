import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { ExecuteBody, ExecuteBodySchema, RunbookIdSchema } from '../executions/executions.dto';
import { ManualRunsService } from '../executions/manual-runs.service';
import { RunbookCatalogService } from './runbook-catalog.service';
import { RunbookViews } from './runbook-views';

@ApiTags('runbooks')
@Controller('api/v1/runbooks')
export class RunbooksController {
  constructor(
    private readonly catalog: RunbookCatalogService,
    private readonly runs: ManualRunsService,
  ) {}

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

  @Post(':id/execute')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Run a runbook by hand (live or dry_run); answers 202 with the execution id.' })
  execute(@Param('id', new ZodPipe(RunbookIdSchema)) id: string, @Body(new ZodPipe(ExecuteBodySchema)) body: ExecuteBody, @Principal() principal: ApiPrincipal) {
    return this.runs.execute(id, body, principal.name);
  }
}
