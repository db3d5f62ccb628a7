import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPrincipal, Principal, RequireRole, ZodPipe } from '@firebreak/platform';
import { AlertActionsService } from './alert-actions.service';
import { AlertsQueryService } from './alerts-query.service';
import { ActionBody, actionBodySchema, fingerprintParamsSchema, ListAlertsQuery, listAlertsSchema } from './alerts.dto';

@ApiTags('alerts')
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(
    private readonly query: AlertsQueryService,
    private readonly actions: AlertActionsService,
  ) {}

  @Get()
  @RequireRole('viewer')
  @ApiOperation({
    summary:
      'Alerts, newest first; filter by status (comma-separated), severity, alertname, label=name=value (repeatable); cursor pagination',
  })
  list(@Query(new ZodPipe(listAlertsSchema)) query: ListAlertsQuery) {
    return this.query.list(query);
  }

  @Get(':fingerprint')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'One alert with its history' })
  get(@Param(new ZodPipe(fingerprintParamsSchema)) params: { fingerprint: string }) {
    return this.query.get(params.fingerprint);
  }

  @Post(':fingerprint/acknowledge')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Acknowledge a firing alert (body: { note? }); announced, stops its escalation' })
  acknowledge(
    @Param(new ZodPipe(fingerprintParamsSchema)) params: { fingerprint: string },
    @Body(new ZodPipe(actionBodySchema)) body: ActionBody,
    @Principal() principal: ApiPrincipal,
  ) {
    return this.actions.acknowledge(params.fingerprint, { name: principal.name }, body.note);
  }

  @Post(':fingerprint/resolve')
  @RequireRole('operator')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve an alert by hand (body: { note? }); announced when people were told of it' })
  resolve(
    @Param(new ZodPipe(fingerprintParamsSchema)) params: { fingerprint: string },
    @Body(new ZodPipe(actionBodySchema)) body: ActionBody,
    @Principal() principal: ApiPrincipal,
  ) {
    return this.actions.resolve(params.fingerprint, { name: principal.name }, body.note);
  }
}
