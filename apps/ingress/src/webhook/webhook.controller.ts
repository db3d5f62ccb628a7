import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
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
  @ApiResponse({ status: 400, description: 'Not a valid Alertmanager webhook (version 4); nothing was published.' })
  @ApiResponse({ status: 401, description: 'Credentials missing or wrong (checked before the body is read).' })
  @ApiResponse({ status: 403, description: 'Loopback mode: the request did not come from this machine, or came through a proxy.' })
  @ApiResponse({ status: 413, description: 'Body larger than FIREBREAK_WEBHOOK_MAX_BYTES.' })
  @ApiResponse({ status: 415, description: 'Content-Type is not application/json.' })
  @ApiResponse({ status: 503, description: 'JetStream did not acknowledge every alert; Retry-After says when to retry.' })
  receive(): never {
    throw new Error('served by WebhookRoute');
  }
}
