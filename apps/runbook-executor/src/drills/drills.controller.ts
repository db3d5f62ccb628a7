import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { DrillBody, DrillBodySchema, ListDrillsQuerySchema } from './drills.dto';
import { DrillsService } from './drills.service';

@ApiTags('drills')
@Controller('api/v1/drills')
export class DrillsController {
  constructor(private readonly drills: DrillsService) {}

  @Post()
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Start a drill: the runbook runs with mutating steps skipped, timed against its target (default 2 minutes).' })
  start(@Body(new ZodPipe(DrillBodySchema)) body: DrillBody, @Principal() principal: ApiPrincipal) {
    return this.drills.start(body, principal.name);
  }

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Drills, newest first, with duration against target.' })
  list(@Query(new ZodPipe(ListDrillsQuerySchema)) query: { limit: number }) {
    return this.drills.list(query.limit);
  }
}
