import { runService } from '@firebreak/platform';
import { AppModule } from './app.module';

void runService(AppModule, {
  app: 'mapper',
  description: 'Alert state and lifecycle, dedup, silences, alert-to-runbook mapping, escalation.',
});
