import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { UuidSchema } from '../common/ids';
import { CancelBodySchema, ListExecutionsQuery, ListExecutionsQuerySchema } from './executions.dto';
import { ExecutionsQueryService } from './executions-query.service';
import { ExecutionsService } from './executions.service';

@ApiTags('executions')
@Controller('api/v1/executions')
export class ExecutionsController {
  constructor(
    private readonly query: ExecutionsQueryService,
    private readonly executions: ExecutionsService,
  ) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Executions, newest first; filter by status, runbook, fingerprint, mode; cursor-paginated.' })
  list(@Query(new ZodPipe(ListExecutionsQuerySchema)) query: ListExecutionsQuery) {
    return this.query.list(query);
  }

  @Get(':id')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One execution with its steps, every attempt and its approvals.' })
  get(@Param('id', new ZodPipe(UuidSchema)) id: string) {
    return this.query.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Cancel with a reason: the running step is stopped; rollback runs if the runbook says onCancel: rollback.' })
  cancel(
    @Param('id', new ZodPipe(UuidSchema)) id: string,
    @Body(new ZodPipe(CancelBodySchema)) body: { reason: string },
    @Principal() principal: ApiPrincipal,
  ) {
    return this.executions.cancel(id, principal.name, body.reason);
  }
}
