import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@firebreak/platform';
import { IntakeModule } from '../intake/intake.module';
import { IngressConfig } from '../service';
import { WebhookAuthGuard } from './webhook-auth.guard';
import { WebhookController } from './webhook.controller';
import { WebhookCredentials } from './webhook-credentials';
import { WebhookRoute } from './webhook.route';
import { WebhookService } from './webhook.service';

function webhookCredentials(config: IngressConfig, logger: Logger): WebhookCredentials {
  const credentials = WebhookCredentials.create(
    config.FIREBREAK_WEBHOOK_TOKENS,
    config.FIREBREAK_WEBHOOK_BASIC_AUTH,
    config.FIREBREAK_WEBHOOK_AUTH,
  );
  switch (credentials.mode) {
    case 'credentials':
      logger.info(
        { bearerTokens: config.FIREBREAK_WEBHOOK_TOKENS.length, basicAuthPairs: config.FIREBREAK_WEBHOOK_BASIC_AUTH.length },
        'webhook auth: credentials required',
      );
      break;
    case 'loopback':
      logger.warn(
        'WEBHOOK AUTH IS NOT CONFIGURED: only callers on this host (loopback) may post alerts, without credentials. ' +
          'Set FIREBREAK_WEBHOOK_TOKENS and/or FIREBREAK_WEBHOOK_BASIC_AUTH before exposing the ingress.',
      );
      break;
    case 'none':
      logger.warn(
        'WEBHOOK AUTH IS OFF (FIREBREAK_WEBHOOK_AUTH=none): ANYONE who reaches this port can post alerts. Only run it so behind something that authenticates.',
      );
      break;
  }
  return credentials;
}

@Module({
  imports: [IntakeModule],
  controllers: [WebhookController],
  providers: [
    WebhookService,
    WebhookRoute,
    WebhookAuthGuard,
    { provide: WebhookCredentials, useFactory: webhookCredentials, inject: [CONFIG, LOGGER] },
  ],
  // The n8n webhook takes the same credentials.
  exports: [WebhookAuthGuard, WebhookCredentials],
})
export class WebhookModule {}
