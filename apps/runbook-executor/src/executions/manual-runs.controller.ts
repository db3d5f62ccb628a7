import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { RunbookIdSchema } from '../common/ids';
import { ExecuteBody, ExecuteBodySchema } from './executions.dto';
import { ManualRunsService } from './manual-runs.service';

/** `POST /runbooks/:id/execute` lives with executions (it creates one), beside the catalogue's own routes. */
@ApiTags('runbooks')
@Controller('api/v1/runbooks')
export class ManualRunsController {
  constructor(private readonly runs: ManualRunsService) {}

  @Post(':id/execute')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Run a runbook by hand (live or dry_run); answers 202 with the execution id.' })
  execute(
    @Param('id', new ZodPipe(RunbookIdSchema)) id: string,
    @Body(new ZodPipe(ExecuteBodySchema)) body: ExecuteBody,
    @Principal() principal: ApiPrincipal,
  ) {
    return this.runs.execute(id, body, principal.name);
  }
}
