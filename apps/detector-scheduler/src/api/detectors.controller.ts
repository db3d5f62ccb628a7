import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { DetectorsApiService } from './detectors-api.service';
import { detectorParamsSchema, ListRunsQuery, listRunsSchema } from './detectors.dto';

@ApiTags('detectors')
@Controller('api/v1/detectors')
export class DetectorsController {
  constructor(private readonly detectors: DetectorsApiService) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Every detector: its definition, state (streaks, alerting) and last result' })
  list() {
    return this.detectors.list();
  }

  @Post('run')
  @HttpCode(200)
  @RequireRole('admin')
  @ApiOperation({ summary: 'Run every enabled detector now: { status, total_checks, passed, failed, results[] }' })
  runAll(@Principal() principal: ApiPrincipal) {
    return this.detectors.runAll(principal.name);
  }

  @Get(':id/runs')
  @RequireRole('viewer')
  @ApiOperation({ summary: "A detector's stored runs, newest first; cursor pagination (limit 1-200, cursor = nextCursor)" })
  runs(@Param(new ZodPipe(detectorParamsSchema)) params: { id: string }, @Query(new ZodPipe(listRunsSchema)) query: ListRunsQuery) {
    return this.detectors.runsOf(params.id, query);
  }

  @Post(':id/run')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Run one detector now (counts toward its thresholds; may raise or resolve its alert)' })
  runOne(@Param(new ZodPipe(detectorParamsSchema)) params: { id: string }, @Principal() principal: ApiPrincipal) {
    return this.detectors.runOne(params.id, principal.name);
  }
}
