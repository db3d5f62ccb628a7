import { z } from 'zod';
import { env, ServiceConfig, ServiceOptions } from '@firebreak/platform';
import { Initial1732300000000 } from '../migrations/1732300000000-initial';
import { OutboxRetries1764633600000 } from '../migrations/1764633600000-outbox-retries';
import { SloTables1764720000000 } from '../migrations/1764720000000-slo-tables';

/** The slo-reporter's own settings; the base ones (NATS, Postgres, tokens, config dir) come from the platform. */
export const sloEnv = z.object({
  /** How often every SLO is evaluated (burn rates, budget, alerts). */
  FIREBREAK_SLO_EVAL_INTERVAL_MS: env.int(100, 3_600_000, 60_000),
  /** Prometheus for SLOs whose indicator is a Prometheus query. */
  PROMETHEUS_URL: z.url({ message: 'must be a URL such as http://127.0.0.1:9090' }).default('http://127.0.0.1:9090'),
  /** How long one Prometheus query may take. */
  FIREBREAK_PROMETHEUS_TIMEOUT_MS: env.int(100, 120_000, 10_000),
  /** The SLO definitions file in the config directory. */
  FIREBREAK_SLO_FILE: z.string().min(1).default('slos.yaml'),
});

export type SloConfig = ServiceConfig<typeof sloEnv.shape>;

export const SERVICE: ServiceOptions<typeof sloEnv.shape> = {
  app: 'slo-reporter',
  env: sloEnv,
  database: { migrations: [Initial1732300000000, OutboxRetries1764633600000, SloTables1764720000000] },
};
