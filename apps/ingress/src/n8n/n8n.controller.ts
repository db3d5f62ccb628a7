import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public, ZodPipe } from '@firebreak/platform';
import { AcceptedCustomAlertDto } from '../intake/intake.dto';
import { JsonBodyGuard } from '../intake/json-body.guard';
import { WebhookAuthGuard } from '../webhook/webhook-auth.guard';
import { N8nIncident, n8nIncidentOpenApi, N8nIncidentSchema } from './n8n-incident.dto';
import { N8nService } from './n8n.service';

@ApiTags('alerts')
@Controller('webhooks/n8n')
export class N8nController {
  constructor(private readonly incidents: N8nService) {}

  @Post('incident')
  @HttpCode(200)
  // Public to the API tokens: like Alertmanager's webhook it takes the webhook credentials (WebhookAuthGuard).
  @Public()
  @UseGuards(WebhookAuthGuard, JsonBodyGuard)
  @ApiOperation({
    summary: 'An incident from an n8n workflow, raised as an alert',
    description:
      'The webhook credentials (Bearer or Basic, FIREBREAK_WEBHOOK_TOKENS / FIREBREAK_WEBHOOK_BASIC_AUTH). type becomes the alertname; the fingerprint is computed from the labels. 200 only once JetStream acknowledged it; 503 with Retry-After when it could not.',
  })
  @ApiBody({ schema: n8nIncidentOpenApi })
  @ApiOkResponse({ type: AcceptedCustomAlertDto })
  receive(@Body(new ZodPipe(N8nIncidentSchema)) incident: N8nIncident): Promise<AcceptedCustomAlertDto> {
    return this.incidents.receive(incident);
  }
}
