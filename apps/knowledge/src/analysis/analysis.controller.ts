import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AlertmanagerWebhook, normaliseAlertmanagerAlert } from '@firebreak/contracts';
import { AppError, CLOCK, Clock, RequireRole, ZodPipe } from '@firebreak/platform';
import { analysisMarkdown } from './analysis-markdown';
import { analyzeBodySchema, fingerprintParamsSchema } from './analysis.dto';
import { AnalysisService } from './analysis.service';

@ApiTags('analysis')
@Controller('api/v1')
export class AnalysisController {
  constructor(
    private readonly analysis: AnalysisService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get('alerts/:fingerprint/analysis')
  @RequireRole('viewer')
  @ApiOperation({ summary: "The analysis of the alert's latest episode" })
  async latest(@Param(new ZodPipe(fingerprintParamsSchema)) params: { fingerprint: string }) {
    const found = await this.analysis.latest(params.fingerprint);
    if (!found) throw new AppError('not_found', `no analysis for alert ${params.fingerprint}`, 404);
    return { ...found, markdown: analysisMarkdown(found) };
  }

  @Post('analyze')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({
    summary: 'Analyse the firing alerts of an Alertmanager webhook (v4) now, without storing or announcing (seed 002 shape)',
  })
  async analyze(@Body(new ZodPipe(analyzeBodySchema)) body: AlertmanagerWebhook) {
    const firing = body.alerts.map(normaliseAlertmanagerAlert).filter((alert) => alert.status === 'firing');
    // In parallel: the request's time is the slowest alert's, not their sum.
    const analyses = await Promise.all(firing.map((alert) => this.analysis.analyse(alert)));
    return {
      message: `Processed ${analyses.length} alerts`,
      results: analyses.map((a) => ({
        alert_name: a.alertname,
        severity: a.severity,
        analysis: analysisMarkdown(a),
        fingerprint: a.fingerprint,
        details: a,
      })),
      service: 'firebreak-knowledge',
      timestamp: this.clock.now().toISOString(),
    };
  }
}
