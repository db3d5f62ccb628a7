import { runService } from '@firebreak/platform';
import { AppModule } from './app.module';

void runService(AppModule, {
  app: 'detector-scheduler',
  description: 'Health-check detectors on schedules, one run per tick across replicas.',
});
