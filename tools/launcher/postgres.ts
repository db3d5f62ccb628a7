import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LauncherError } from './errors';
import { EMBEDDED_PG_ENV, type EmbeddedPostgresSettings, type HelperMessage } from './embedded-postgres-protocol';
import { canConnect } from './net';
import type { Output } from './output';
import { spawnManaged, type ManagedProcess } from './processes';
import { redactUrl } from './redact';
import type { Stack } from './stack';

export const LOCAL_POSTGRES = { host: '127.0.0.1', port: 5432 };
export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const EMBEDDED_PORT = 5433;
/** Only reachable from this machine, and the data is throwaway development state. */
const EMBEDDED_PASSWORD = 'firebreak';
const EMBEDDED_START_TIMEOUT_MS = 120_000;

export type PostgresPlan =
  | { kind: 'given'; url: string }
  | { kind: 'local'; url: string }
  | { kind: 'embedded'; url: string; settings: EmbeddedPostgresSettings }
  | { kind: 'unavailable'; reason: string };

export interface PostgresFacts {
  databaseUrl: string | undefined;
  localAnswers: boolean;
  embeddedPortAnswers: boolean;
  dataDir: string;
  /** The data directory exists; it is only ever created complete (see embedded-postgres-child.ts). */
  initialised: boolean;
  runningAsRoot: boolean;
}

export function planPostgres(facts: PostgresFacts): PostgresPlan {
  if (facts.databaseUrl) return { kind: 'given', url: facts.databaseUrl };
  if (facts.localAnswers) return { kind: 'local', url: LOCAL_POSTGRES_URL };
  if (facts.embeddedPortAnswers) {
    return {
      kind: 'unavailable',
      reason: `Nothing answers at 127.0.0.1:5432 and port ${EMBEDDED_PORT}, where the embedded Postgres would run, is taken (a leftover from an earlier run? see ${facts.dataDir}/postmaster.pid). Free it, or set DATABASE_URL.`,
    };
  }
  return {
    kind: 'embedded',
    url: `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${EMBEDDED_PORT}/postgres`,
    settings: {
      databaseDir: facts.dataDir,
      port: EMBEDDED_PORT,
      user: 'postgres',
      password: EMBEDDED_PASSWORD,
      initialise: !facts.initialised,
      // Postgres refuses to run as root; embedded-postgres then runs it as a 'postgres' system user.
      createPostgresUser: facts.runningAsRoot,
    },
  };
}

export interface PostgresInUse {
  url: string;
  origin: 'given' | 'local' | 'embedded';
  dataDir?: string;
}

export async function ensurePostgres(databaseUrl: string | undefined, dataRoot: string, stack: Stack, out: Output): Promise<PostgresInUse> {
  const dataDir = join(dataRoot, 'postgres');
  const localAnswers = databaseUrl ? false : await canConnect(LOCAL_POSTGRES);
  const embeddedPortAnswers = databaseUrl || localAnswers ? false : await canConnect({ host: '127.0.0.1', port: EMBEDDED_PORT });
  const plan = planPostgres({
    databaseUrl,
    localAnswers,
    embeddedPortAnswers,
    dataDir,
    initialised: existsSync(dataDir),
    runningAsRoot: process.getuid?.() === 0,
  });
  switch (plan.kind) {
    case 'given':
      out.info(`using DATABASE_URL=${redactUrl(plan.url)}`);
      return { url: plan.url, origin: 'given' };
    case 'local':
      out.info(`Postgres answers at 127.0.0.1:5432; using ${plan.url}`);
      return { url: plan.url, origin: 'local' };
    case 'unavailable':
      throw new LauncherError('postgres_unavailable', plan.reason);
    case 'embedded':
      await startEmbedded(plan.settings, stack, out);
      return { url: plan.url, origin: 'embedded', dataDir };
  }
}

/**
 * embedded-postgres runs in a helper process of its own: it hooks SIGINT/SIGTERM and exits the process
 * that imports it, which would cut our ordered shutdown short, and in its own process group Postgres
 * does not receive the terminal's Ctrl-C before the services have drained.
 */
async function startEmbedded(settings: EmbeddedPostgresSettings, stack: Stack, out: Output): Promise<void> {
  out.info(
    `${settings.initialise ? 'creating and starting' : 'starting'} embedded Postgres on 127.0.0.1:${settings.port} (data in ${settings.databaseDir})`,
  );
  const helper = spawnManaged('postgres', process.execPath, [join(__dirname, 'embedded-postgres-child.js')], {
    cwd: process.cwd(),
    env: { ...process.env, [EMBEDDED_PG_ENV]: JSON.stringify(settings) },
    onLine: (line, stream) => out.line('postgres', line, stream),
    ipc: true,
  });
  stack.add(helper, 'infra');
  const message = await firstMessage(helper, stack.signal);
  if (stack.isStopping) return;
  if (message?.type !== 'ready') {
    const why = message?.type === 'failed' ? message.error : 'it stopped before reporting ready';
    throw new LauncherError('start_failed', `embedded Postgres did not start: ${why}`);
  }
}

function firstMessage(helper: ManagedProcess, signal: AbortSignal): Promise<HelperMessage | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ type: 'failed', error: `no answer within ${EMBEDDED_START_TIMEOUT_MS / 1000} s` }),
      EMBEDDED_START_TIMEOUT_MS,
    );
    const finish = (message: HelperMessage | undefined): void => {
      clearTimeout(timer);
      resolve(message);
    };
    helper.child.once('message', (message) => finish(message as HelperMessage));
    void helper.exited.then(() => finish(undefined));
    signal.addEventListener('abort', () => finish(undefined), { once: true });
  });
}
