import { z } from 'zod';
import { env, ServiceConfig, ServiceOptions } from '@firebreak/platform';
import { Initial1732300000000 } from '../migrations/1732300000000-initial';
import { OutboxRetries1764633600000 } from '../migrations/1764633600000-outbox-retries';
import { Detectors1765200000000 } from '../migrations/1765200000000-detectors';

/** The detector-scheduler's own settings; the base ones (NATS, Postgres, tokens, config dir) come from the platform. */
export const detectorEnv = z.object({
  /** How often each replica looks for detectors whose tick came due (a tick is claimed once across replicas). */
  FIREBREAK_DETECTOR_POLL_MS: env.int(50, 600_000, 1_000),
  /** Checks one replica runs at once; each holds a Postgres connection (its claim) while it runs. */
  FIREBREAK_DETECTOR_CONCURRENCY: env.int(1, 16, 8),
  /** Stored runs older than this are deleted. */
  FIREBREAK_DETECTOR_RUN_RETENTION: env.duration('14d'),
  /** Default Prometheus for `prometheus` detectors that name no `url`. */
  PROMETHEUS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
});

export type DetectorConfig = ServiceConfig<typeof detectorEnv.shape>;

export const SERVICE: ServiceOptions<typeof detectorEnv.shape> = {
  app: 'detector-scheduler',
  env: detectorEnv,
  database: { migrations: [Initial1732300000000, OutboxRetries1764633600000, Detectors1765200000000] },
};
