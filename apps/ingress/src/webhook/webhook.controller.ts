import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AlertmanagerWebhook } from '@firebreak/contracts';
import { Public } from '@firebreak/platform';
import { AcceptedAlertsDto } from '../intake/intake.dto';
import { JsonBodyGuard } from '../intake/json-body.guard';
import { alertmanagerWebhookOpenApi } from './webhook.dto';
import { WebhookBodyPipe } from './webhook-validator';
import { WebhookAuthGuard } from './webhook-auth.guard';
import { WebhookService } from './webhook.service';

@ApiTags('alerts')
@Controller('api/v1/alerts')
export class WebhookController {
  constructor(private readonly webhooks: WebhookService) {}

  @Post('alertmanager')
  @HttpCode(200)
  // Public to the API tokens: the webhook checks Alertmanager's own credentials (WebhookAuthGuard).
  @Public()
  @UseGuards(WebhookAuthGuard, JsonBodyGuard)
  @ApiOperation({
    summary: "Alertmanager's webhook (version 4)",
    description:
      'Bearer token or basic auth as http_config sends them. 200 only once JetStream acknowledged every alert; 503 with Retry-After when it could not, so Alertmanager retries.',
  })
  @ApiBody({ schema: alertmanagerWebhookOpenApi })
  @ApiOkResponse({ type: AcceptedAlertsDto })
  receive(@Body(new WebhookBodyPipe()) webhook: AlertmanagerWebhook): Promise<AcceptedAlertsDto> {
    return this.webhooks.receive(webhook);
  }
}
