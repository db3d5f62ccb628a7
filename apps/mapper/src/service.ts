import { z } from 'zod';
import { ServiceConfig, ServiceOptions } from '@firebreak/platform';
import { Initial1732300000000 } from '../migrations/1732300000000-initial';
import { AlertState1732400000000 } from '../migrations/1732400000000-alert-state';

/** The mapper's own settings; the base ones (NATS, Postgres, tokens, config dir) come from the platform. */
export const mapperEnv = z.object({
  /** A firing alert already announced is not announced again before this many seconds. */
  FIREBREAK_DEDUP_WINDOW_SEC: z.coerce.number().int().min(0).max(604_800).default(300),
  /** false: mapped alerts are recorded but no runbooks.requested is published. */
  FIREBREAK_AUTOMATION_ENABLED: z.stringbool().default(true),
  /** How often due escalation timers and silence starts/ends are looked for. */
  FIREBREAK_TIMER_POLL_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
});

export type MapperConfig = ServiceConfig<typeof mapperEnv.shape>;

export const SERVICE: ServiceOptions<typeof mapperEnv.shape> = {
  app: 'mapper',
  env: mapperEnv,
  database: { migrations: [Initial1732300000000, AlertState1732400000000] },
};
