import { runService } from '@firebreak/platform';
import { AppModule } from './app.module';

void runService(AppModule, { app: 'slo-reporter', description: 'SLO definitions, compliance, error budgets and burn-rate alerts.' });
