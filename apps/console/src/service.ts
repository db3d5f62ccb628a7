import { join, resolve } from 'node:path';
import { z } from 'zod';
import { AppName } from '@firebreak/contracts';
import { env, ServiceConfig, ServiceOptions } from '@firebreak/platform';
import { defaultUpstreamUrl, upstreamUrlVariable } from './upstreams';

export const CONSOLE_PORT = 8090;

const baseUrl = (service: AppName) =>
  z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .default(defaultUpstreamUrl(service))
    .transform((url) => url.replace(/\/+$/, ''));

/** Written out, not generated from UPSTREAMS, so the config object stays typed field by field. */
const upstreamShape = {
  FIREBREAK_URL_INGRESS: baseUrl('ingress'),
  FIREBREAK_URL_MAPPER: baseUrl('mapper'),
  FIREBREAK_URL_RUNBOOK_EXECUTOR: baseUrl('runbook-executor'),
  FIREBREAK_URL_DETECTOR_SCHEDULER: baseUrl('detector-scheduler'),
  FIREBREAK_URL_NOTIFIER: baseUrl('notifier'),
  FIREBREAK_URL_SLO_REPORTER: baseUrl('slo-reporter'),
  FIREBREAK_URL_KNOWLEDGE: baseUrl('knowledge'),
} satisfies Record<`FIREBREAK_URL_${string}`, ReturnType<typeof baseUrl>>;

export const consoleEnv = z.object({
  /** The console is not on the bus's list of apps, so its default port is its own setting's default. */
  FIREBREAK_HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(CONSOLE_PORT),
  /** Where each service's REST API is: FIREBREAK_URL_INGRESS … FIREBREAK_URL_KNOWLEDGE. */
  ...upstreamShape,
  /** How long a forwarded request may take before the console answers 504. */
  FIREBREAK_CONSOLE_UPSTREAM_TIMEOUT_MS: env.int(100, 600_000, 10_000),
  /** The same for a change (not GET): longer, since POST /detectors/run may take long, and a 504 leaves the outcome unknown. */
  FIREBREAK_CONSOLE_WRITE_TIMEOUT_MS: env.int(100, 600_000, 60_000),
  /** Live-update streams open at once, all clients together (429 above); each holds a socket and a buffer. */
  FIREBREAK_CONSOLE_MAX_STREAMS: env.int(1, 1000, 100),
  /** Live-update streams one token (by its name) may hold, so one client cannot take every place. */
  FIREBREAK_CONSOLE_MAX_STREAMS_PER_TOKEN: env.int(1, 1000, 20),
  /** `/mcp` also offers the write tools (acknowledge, silence, approve, reject, live runs); the services still check the token's role. */
  FIREBREAK_CONSOLE_MCP_WRITE_TOOLS: env.flag(false),
  /** The built single-page app (Vite output); default: dist/apps/console/web beside this service's build. */
  FIREBREAK_CONSOLE_WEB_DIR: z.string().min(1).optional(),
});

export type ConsoleConfig = ServiceConfig<typeof consoleEnv.shape>;

/** The base URL of a service's REST API, from the validated config. */
export function upstreamUrl(config: ConsoleConfig, service: AppName): string {
  return config[upstreamUrlVariable(service) as keyof typeof upstreamShape];
}

/**
 * The console names itself `console`, although AppName (the bus's producers) does not list it: it
 * publishes nothing, keeps no tables, and `app` only names its logs, its NATS connection and its docs.
 */
export const CONSOLE_APP = 'console' as AppName;

export const SERVICE: ServiceOptions<typeof consoleEnv.shape> = { app: CONSOLE_APP, env: consoleEnv };

/** The built single-page app: FIREBREAK_CONSOLE_WEB_DIR, else dist/apps/console/web beside this build (dist/apps/console/src). */
export function webDirOf(config: ConsoleConfig): string {
  return config.FIREBREAK_CONSOLE_WEB_DIR ? resolve(config.FIREBREAK_CONSOLE_WEB_DIR) : join(__dirname, '..', 'web');
}
