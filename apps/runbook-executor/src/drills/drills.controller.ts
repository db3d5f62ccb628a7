import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { DrillBody, DrillBodySchema } from '../executions/executions.dto';
import { ManualRunsService } from '../executions/manual-runs.service';

const ListDrillsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

@ApiTags('drills')
@Controller('api/v1/drills')
export class DrillsController {
  constructor(private readonly runs: ManualRunsService) {}

  @Post()
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Start a drill: the runbook runs with mutating steps skipped, timed against its target (default 2 minutes).' })
  start(@Body(new ZodPipe(DrillBodySchema)) body: DrillBody, @Principal() principal: ApiPrincipal) {
    return this.runs.drill(body, principal.name);
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Drills, newest first, with duration against target.' })
  list(@Query(new ZodPipe(ListDrillsQuerySchema)) query: { limit: number }) {
    return this.runs.listDrills(query.limit);
  }
}
