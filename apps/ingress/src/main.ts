import { runService } from '@firebreak/platform';
import { AppModule } from './app.module';
import { IngressConfig, webhookBodyLimit } from './service';

void runService<IngressConfig>(AppModule, {
  app: 'ingress',
  description:
    'The webhook edge: Alertmanager, custom alerts and n8n incidents in, alerts.received out, acknowledged by JetStream before the answer.',
  bodyLimit: webhookBodyLimit,
});
