import { ServiceOptions } from '@firebreak/platform';
import { Initial1732300000000 } from '../migrations/1732300000000-initial';

export const SERVICE: ServiceOptions<Record<never, never>> = {
  app: 'detector-scheduler',
  database: { migrations: [Initial1732300000000] },
};
