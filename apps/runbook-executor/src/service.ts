import { z } from 'zod';
import { env, ServiceConfig, ServiceOptions } from '@firebreak/platform';
import { Initial1732300000000 } from '../migrations/1732300000000-initial';
import { Executions1733000000000 } from '../migrations/1733000000000-executions';
import { OutboxRetries1764633600000 } from '../migrations/1764633600000-outbox-retries';
import { SloStates1765300000000 } from '../migrations/1765300000000-slo-states';
import { StoredRunbooks1765400000000 } from '../migrations/1765400000000-stored-runbooks';
import { ClaimIndexes1765500000000 } from '../migrations/1765500000000-claim-indexes';
import { AlertStatesPrune1765600000000 } from '../migrations/1765600000000-alert-states-prune';

export const envShape = {
  FIREBREAK_RUNBOOKS_DIR: z.string().min(1).default('./runbooks'),
  /** How often each replica reloads the runbooks stored by API from Postgres (a change made on it applies at once). */
  FIREBREAK_RUNBOOK_REFRESH_MS: env.int(100, 600_000, 2_000),
  FIREBREAK_AUTOMATION_ENABLED: env.flag(true),
  FIREBREAK_APPROVAL_REQUIRED: env.flag(false),
  /** true: the API token that started a run may approve its `risk: high` steps (no separation of duties). */
  FIREBREAK_APPROVAL_SELF_ALLOWED: env.flag(false),
  FIREBREAK_REMEDIATION_MAX_RETRIES: env.int(0, 20, 3),
  /** Host patterns an http step may call: `*.internal`, `10.0.0.*`, `api.example.com:8443`. */
  FIREBREAK_RUNBOOK_HTTP_ALLOW: env.list('127.0.0.1,localhost'),
  /** Absolute paths of executables a command step may run. Empty: no command step runs. */
  FIREBREAK_RUNBOOK_COMMANDS_ALLOW: env.list(''),
  /** Operator-set values for runbook templates, `name=value,...`, seen as `{{ vars.name }}`. */
  FIREBREAK_RUNBOOK_VARS: z.string().default(''),
  PROMETHEUS_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  /**
   * Runs at once across all replicas. Per-runbook limits and concurrency keys still apply inside it (the claim counts
   * all three).
   */
  FIREBREAK_MAX_CONCURRENT_EXECUTIONS: env.int(1, 1000, 20),
  /**
   * Runs at once in one replica. Each running run holds up to two of the pool's 20 connections at a time (its write and
   * its heartbeat): above ~8, a Postgres stall of 5 s (the pool's connect timeout) fails writes of healthy runs, which
   * end `failed` and escalated (found by review at 32). Raise it together with the pool, not alone.
   */
  FIREBREAK_WORKER_CONCURRENCY: env.int(1, 200, 8),
  FIREBREAK_WORKER_POLL_MS: env.int(20, 60_000, 500),
  FIREBREAK_EXECUTION_LEASE_MS: env.int(500, 600_000, 30_000),
  FIREBREAK_TIMER_INTERVAL_MS: env.int(50, 60_000, 1_000),
  /**
   * How long the state of a resolved alert is kept for verification once no run needs it (a day): longer than any
   * redelivery of its changes, so a late older change cannot take its place. An hour at least: a consumer that lags
   * behind the retention (a storm's backlog, an outage waited out) could bring such a late change.
   */
  FIREBREAK_ALERT_STATE_RETENTION_MS: env.int(3_600_000, 2_000_000_000, 86_400_000),
  FIREBREAK_SHUTDOWN_GRACE_MS: env.int(0, 600_000, 10_000),
};

export type ExecutorConfig = ServiceConfig<typeof envShape>;

export const SERVICE: ServiceOptions<typeof envShape> = {
  app: 'runbook-executor',
  env: z.object(envShape),
  database: {
    migrations: [
      Initial1732300000000,
      Executions1733000000000,
      OutboxRetries1764633600000,
      SloStates1765300000000,
      StoredRunbooks1765400000000,
      ClaimIndexes1765500000000,
      AlertStatesPrune1765600000000,
    ],
  },
};
