import { z } from 'zod';
import { env, ServiceConfig, ServiceOptions } from '@firebreak/platform';
import { BatchLimits, DEFAULT_BATCH_LIMITS } from './core/write-batch';
import { Initial1732300000000 } from '../migrations/1732300000000-initial';
import { AlertState1732400000000 } from '../migrations/1732400000000-alert-state';
import { OutboxRetries1764633600000 } from '../migrations/1764633600000-outbox-retries';
import { AlertStamps1765000000001 } from '../migrations/1765000000001-alert-stamps';
import { TimersWithoutAlertKey1765100000000 } from '../migrations/1765100000000-timers-without-alert-key';
import { AlertsRoomForUpdates1765200000000 } from '../migrations/1765200000000-alerts-room-for-updates';

/** The mapper's own settings; the base ones (NATS, Postgres, tokens, config dir) come from the platform. */
export const mapperEnv = z.object({
  /** A firing alert already announced is not announced again before this many seconds. */
  FIREBREAK_DEDUP_WINDOW_SEC: env.int(0, 604_800, 300),
  /** false: mapped alerts are recorded but no runbooks.requested is published. */
  FIREBREAK_AUTOMATION_ENABLED: env.flag(true),
  /** How often due escalation timers and silence starts/ends are looked for. */
  FIREBREAK_TIMER_POLL_MS: env.int(50, 600_000, 5_000),
  /**
   * How far past its receipt an alert's own time (startsAt, endsAt) may lie and still be trusted for
   * ordering; a later time is ordered as the receipt (a sender's clock ahead, or a hostile 9999).
   */
  FIREBREAK_MAX_CLOCK_SKEW: env.duration('5m'),
  /**
   * At most this many bytes of rows (as JSON) in one write statement: a batch's rows of a table go
   * out in several statements past it, far below Postgres's jsonb limit whatever alerts hold.
   */
  FIREBREAK_WRITE_STATEMENT_MAX_BYTES: env.int(1_024, 128 * 1024 * 1024, DEFAULT_BATCH_LIMITS.maxBytes),
});

export type MapperConfig = ServiceConfig<typeof mapperEnv.shape>;

export function batchLimits(config: MapperConfig): BatchLimits {
  return { ...DEFAULT_BATCH_LIMITS, maxBytes: config.FIREBREAK_WRITE_STATEMENT_MAX_BYTES };
}

export const SERVICE: ServiceOptions<typeof mapperEnv.shape> = {
  app: 'mapper',
  env: mapperEnv,
  database: {
    migrations: [
      Initial1732300000000,
      AlertState1732400000000,
      OutboxRetries1764633600000,
      AlertStamps1765000000001,
      TimersWithoutAlertKey1765100000000,
      AlertsRoomForUpdates1765200000000,
    ],
  },
};
