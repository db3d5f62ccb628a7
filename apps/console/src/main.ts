import { runService } from '@firebreak/platform';
import { AppModule } from './app.module';
import { CONSOLE_APP } from './service';

void runService(AppModule, {
  app: CONSOLE_APP,
  description:
    'The operator console: serves the single-page app, forwards /api/<service>/… to each service with the caller’s token, and streams live events.',
});
