import { Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireRole, ZodPipe } from '@firebreak/platform';
import { ComplianceService } from './compliance.service';
import { ComplianceQuery, complianceQuerySchema, sloDetailQuerySchema, sloParamsSchema, summaryQuerySchema } from './reports.dto';
import { SlosService } from './slos.service';

@ApiTags('slo')
@Controller('api/v1')
export class ReportsController {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly slos: SlosService,
  ) {}

  @Get('slo')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Compliance per SLO over whole UTC days (date_from, date_to; default the last 7 days)' })
  range(@Query(new ZodPipe(complianceQuerySchema)) query: ComplianceQuery) {
    return this.compliance.range(query.date_from, query.date_to);
  }

  @Get('slo/summary')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Compliance per SLO over the last N days (days 1..90, default 7)' })
  summary(@Query(new ZodPipe(summaryQuerySchema)) query: { days: number }) {
    return this.compliance.summary(query.days);
  }

  @Get('slos')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Every SLO: status, error budget, burn rate per window, tiers, firing alerts' })
  list() {
    return this.slos.list();
  }

  @Get('slos/:id')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One SLO with a good/total series for charts (step 1h, 6h or 1d)' })
  detail(
    @Param(new ZodPipe(sloParamsSchema)) params: { id: string },
    @Query(new ZodPipe(sloDetailQuerySchema)) query: { step: '1h' | '6h' | '1d' },
  ) {
    return this.slos.detail(params.id, query.step);
  }

  @Get('slos/:id/rules')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Prometheus recording and alerting rules for a Prometheus ratio SLO (YAML, promtool-checked)' })
  rules(@Param(new ZodPipe(sloParamsSchema)) params: { id: string }, @Res({ passthrough: true }) reply: FastifyReply) {
    const text = this.slos.rules(params.id);
    // Set only on success: an error leaves as the usual JSON.
    void reply.header('content-type', 'application/yaml; charset=utf-8');
    return text;
  }

  @Post('slos/:id/report')
  @RequireRole('operator')
  @ApiOperation({ summary: 'Publish slo.report for one SLO now and return it' })
  report(@Param(new ZodPipe(sloParamsSchema)) params: { id: string }) {
    return this.slos.report(params.id);
  }
}
