import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { CustomAlertsModule } from './custom-alerts/custom-alerts.module';
import { SERVICE } from './service';
import { WebhookModule } from './webhook/webhook.module';

@Module({ imports: [PlatformModule.forService(SERVICE), WebhookModule, CustomAlertsModule] })
export class AppModule {}
