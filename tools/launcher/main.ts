import { join, relative } from 'node:path';
import { BackupSchedule, readBackupSchedule } from './backup-schedule';
import { readLauncherConfig, type LauncherConfig } from './config';
import { LauncherError } from './errors';
import { setUpApiTokens, type ApiTokenSetup } from './first-run-token';
import { waitUntilReady } from './health';
import { ensureNats, type NatsInUse } from './nats';
import { Output } from './output';
import { ensurePostgres, type PostgresInUse } from './postgres';
import { DIM } from './prefix';
import { describeExit } from './processes';
import { SERVICES, runMigrations, runbookVarsWithIngress, startServices } from './services';
import { Stack } from './stack';
import { renderSummary } from './summary';

const ROOT_DIR = join(__dirname, '..', '..', '..');
const LABEL_WIDTH = Math.max(...SERVICES.map((s) => s.name.length));

async function bringUp(config: LauncherConfig, tokens: ApiTokenSetup, stack: Stack, out: Output, backups: BackupSchedule): Promise<void> {
  const nats = await ensureNats(config.natsUrl, config.dataDir, stack, out);
  if (stack.isStopping) return;
  const postgres = await ensurePostgres(config.databaseUrl, config.dataDir, stack, out);
  if (stack.isStopping) return;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NATS_URL: nats.url,
    DATABASE_URL: postgres.url,
    FIREBREAK_API_TOKENS: tokens.apiTokens,
    FIREBREAK_RUNBOOK_VARS: runbookVarsWithIngress(process.env.FIREBREAK_RUNBOOK_VARS),
  };
  await runMigrations(config.rootDir, env, stack, out);
  if (stack.isStopping) return;

  const startedAt = Date.now();
  const started = startServices(config.rootDir, env, stack, out);
  out.info(`waiting for ${started.length} services to answer /health/ready (up to ${config.startTimeoutMs / 1000} s)`);
  const readiness = await waitUntilReady(started, config.startTimeoutMs, stack.signal);
  if (stack.isStopping) return;
  if (!readiness.ready) {
    const lines = [...readiness.pending].map(([name, last]) => `  ${name}: ${last}`);
    throw new LauncherError(
      'not_ready',
      [`not ready after ${config.startTimeoutMs / 1000} s (FIREBREAK_START_TIMEOUT_SEC):`, ...lines].join('\n'),
    );
  }
  // Before the summary: the console URL stays the last thing on the screen.
  backups.start();
  out.raw(
    renderSummary({
      started,
      nats: { url: nats.url, note: natsNote(nats, config.rootDir) },
      postgres: { url: postgres.url, note: postgresNote(postgres, config.rootDir) },
      readyAfterMs: Date.now() - startedAt,
      localAdminToken: tokens.localAdminToken,
      localAdminTokenFile: tokens.file && relative(config.rootDir, tokens.file),
      revealToken: tokens.created === true || process.stdout.isTTY === true,
    }),
  );
}

function natsNote(nats: NatsInUse, rootDir: string): string {
  return nats.startedHere ? `started by the launcher, JetStream store in ${relative(rootDir, nats.storeDir ?? '')}` : 'already running';
}

function postgresNote(pg: PostgresInUse, rootDir: string): string {
  switch (pg.origin) {
    case 'given':
      return 'from DATABASE_URL';
    case 'local':
      return 'already running on this machine';
    case 'embedded':
      return `embedded, started by the launcher, data in ${relative(rootDir, pg.dataDir ?? '')}`;
  }
}

function main(): Promise<number> {
  let config: LauncherConfig;
  let backupConfig: ReturnType<typeof readBackupSchedule>;
  let tokens: ApiTokenSetup;
  try {
    config = readLauncherConfig(process.env, { rootDir: ROOT_DIR, stdoutIsTty: process.stdout.isTTY === true });
    tokens = setUpApiTokens(process.env.FIREBREAK_API_TOKENS, config.dataDir);
    // The scheduled backup takes the first admin token, so on a first run it works with the local one.
    backupConfig = readBackupSchedule({ ...process.env, FIREBREAK_API_TOKENS: tokens.apiTokens }, ROOT_DIR);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return Promise.resolve(1);
  }
  const out = new Output(config.color, LABEL_WIDTH);
  out.assignColor('launcher', 1);
  for (const { name } of SERVICES) out.assignColor(name);
  out.assignColor('nats', DIM);
  out.assignColor('postgres', DIM);

  const stack = new Stack(config.stopGraceMs);
  const backups = new BackupSchedule(backupConfig, ROOT_DIR, out);
  return new Promise<number>((resolve) => {
    let exitCode: number | undefined;
    const shutdown = (code: number): void => {
      if (exitCode !== undefined) return;
      exitCode = code;
      backups.stop();
      out.info(`stopping (services first, up to ${config.stopGraceMs / 1000} s, then NATS and Postgres if started here)`);
      void stack.stop().then(() => {
        out.info('stopped');
        resolve(code);
      });
    };
    stack.onUnexpectedExit = (proc, info) => {
      out.loud(`${proc.label} ${describeExit(info)} unexpectedly; stopping everything`);
      shutdown(1);
    };
    stack.onForcedKill = (proc) => out.warn(`${proc.label} did not stop within ${config.stopGraceMs / 1000} s of SIGTERM; killed it`);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        if (exitCode === undefined) out.info(`${signal} received`);
        shutdown(0);
      });
    }
    process.once('exit', () => stack.killAllNow());

    if (tokens.file)
      out.info(`FIREBREAK_API_TOKENS is not set: every service accepts the local admin token kept in ${relative(ROOT_DIR, tokens.file)}`);
    bringUp(config, tokens, stack, out, backups).catch((error: unknown) => {
      if (stack.isStopping) return;
      out.error(
        error instanceof LauncherError
          ? error.message
          : `launcher failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      shutdown(1);
    });
  });
}

void main().then((code) => process.exit(code));
