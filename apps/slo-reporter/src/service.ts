import { ServiceOptions } from '@firebreak/platform';
import { Initial1732300000000 } from '../migrations/1732300000000-initial';
import { OutboxRetries1764633600000 } from '../migrations/1764633600000-outbox-retries';

export const SERVICE: ServiceOptions<Record<never, never>> = {
  app: 'slo-reporter',
  database: { migrations: [Initial1732300000000, OutboxRetries1764633600000] },
};
