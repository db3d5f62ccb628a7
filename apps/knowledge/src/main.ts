import { runService } from '@firebreak/platform';
import { AppModule } from './app.module';

void runService(AppModule, {
  app: 'knowledge',
  description: 'Runbook documents, search, learning from incidents and runbook recommendations.',
});
