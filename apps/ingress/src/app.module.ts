import { Module } from '@nestjs/common';
import { PlatformModule } from '@firebreak/platform';
import { CustomAlertsModule } from './custom-alerts/custom-alerts.module';
import { N8nModule } from './n8n/n8n.module';
import { SERVICE } from './service';
import { WebhookModule } from './webhook/webhook.module';
import { ClusterMetricsRoute } from './workers/cluster-metrics.route';

@Module({ imports: [PlatformModule.forService(SERVICE), WebhookModule, CustomAlertsModule, N8nModule], providers: [ClusterMetricsRoute] })
export class AppModule {}
