import { runService } from '@firebreak/platform';
import { AppModule } from './app.module';

void runService(AppModule, {
  app: 'notifier',
  description: 'Channels, routes, formatting, rate limits, retries and delivery history for Telegram, Slack, PagerDuty and webhooks.',
});
