import { Module } from '@nestjs/common';
import { IntakeModule } from '../intake/intake.module';
import { WebhookModule } from '../webhook/webhook.module';
import { N8nController } from './n8n.controller';
import { N8nService } from './n8n.service';

/** `POST /webhooks/n8n/incident`: n8n's incidents in, behind the same webhook credentials as Alertmanager's. */
@Module({ imports: [IntakeModule, WebhookModule], controllers: [N8nController], providers: [N8nService] })
export class N8nModule {}
