import { join } from 'node:path';
import { LauncherError } from './errors';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
const DEFAULT_START_TIMEOUT_SEC = 60;

export interface LauncherConfig {
  rootDir: string;
  dataDir: string;
  natsUrl: string;
  /** DATABASE_URL as given; undefined means "find or start one". */
  databaseUrl: string | undefined;
  startTimeoutMs: number;
  stopGraceMs: number;
  color: boolean;
}

export interface ConfigContext {
  rootDir: string;
  stdoutIsTty: boolean;
}

export function readLauncherConfig(env: NodeJS.ProcessEnv, context: ConfigContext): LauncherConfig {
  return {
    rootDir: context.rootDir,
    dataDir: join(context.rootDir, '.data'),
    natsUrl: nonEmpty(env.NATS_URL) ?? DEFAULT_NATS_URL,
    databaseUrl: nonEmpty(env.DATABASE_URL),
    startTimeoutMs: parseTimeoutSec(env.FIREBREAK_START_TIMEOUT_SEC) * 1000,
    stopGraceMs: 10_000,
    color: context.stdoutIsTty && nonEmpty(env.NO_COLOR) === undefined,
  };
}

function parseTimeoutSec(raw: string | undefined): number {
  const value = nonEmpty(raw);
  if (value === undefined) return DEFAULT_START_TIMEOUT_SEC;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new LauncherError('bad_config', `FIREBREAK_START_TIMEOUT_SEC must be a positive number of seconds, got "${value}"`);
  }
  return seconds;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
