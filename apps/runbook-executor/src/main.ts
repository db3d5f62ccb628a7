import { runService } from '@firebreak/platform';
import { AppModule } from './app.module';

void runService(AppModule, {
  app: 'runbook-executor',
  description: 'Runbook catalogue, executions, approvals, cancellation, rollback, drills.',
});
