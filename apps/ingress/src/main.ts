import { runService } from '@firebreak/platform';
import { AppModule } from './app.module';
import { webhookBodyLimit } from './service';

void runService(AppModule, {
  app: 'ingress',
  description: 'The webhook edge: Alertmanager and custom alerts in, alerts.received out, acknowledged by JetStream before the answer.',
  bodyLimit: webhookBodyLimit(),
});
