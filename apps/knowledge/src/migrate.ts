import { migrateService } from '@firebreak/platform';
import { SERVICE } from './service';

void migrateService(SERVICE);
