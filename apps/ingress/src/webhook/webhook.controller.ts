import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@firebreak/platform';
import { AcceptedAlertsDto } from '../intake/intake.dto';
import { alertmanagerWebhookOpenApi } from './webhook.dto';

@ApiTags('alerts')
@Controller('api/v1/alerts')
export class WebhookController {
  /**
   * Declares the route for /docs only: WebhookRoute serves it from plain Fastify hooks (auth, content
   * type, validation, publish), off Nest's request pipeline, and refuses to start if it could not.
   */
  @Post('alertmanager')
  @HttpCode(200)
  // Public to the API tokens: the webhook checks Alertmanager's own credentials (WebhookRoute).
  @Public()
  @ApiOperation({
    summary: "Alertmanager's webhook (version 4)",
    description:
      'Bearer token or basic auth as http_config sends them. 200 only once JetStream acknowledged every alert; 503 with Retry-After when it could not, so Alertmanager retries.',
  })
  @ApiBody({ schema: alertmanagerWebhookOpenApi })
  @ApiOkResponse({ type: AcceptedAlertsDto })
  receive(): never {
    throw new Error('served by WebhookRoute');
  }
}
