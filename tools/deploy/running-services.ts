import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, resolveDatabaseUrl, resolveNatsUrl, uniqueTestId, waitFor } from '@firebreak/testing';

export interface RunningService {
  name: string;
  url: string;
  process: ChildProcess;
  output: string[];
}

/**
 * The built services (`dist/apps/<name>/src/main.js`) as processes, isolated by a subject prefix and
 * per-run schemas like apps/e2e's Stack (which a tool may not import: module boundaries).
 */
export class RunningServices {
  readonly prefix = uniqueTestId('deploy');
  readonly services: RunningService[] = [];

  constructor(private readonly root: string) {}

  async start(names: readonly string[]): Promise<void> {
    const env = {
      ...process.env,
      NATS_URL: await resolveNatsUrl(),
      DATABASE_URL: await resolveDatabaseUrl(),
      FIREBREAK_SUBJECT_PREFIX: this.prefix,
      FIREBREAK_HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    };
    await Promise.all(names.map((name) => this.startOne(name, env)));
  }

  private async startOne(name: string, baseEnv: NodeJS.ProcessEnv): Promise<void> {
    const main = join(this.root, 'dist', 'apps', name, 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    const port = await freePort();
    const env = { ...baseEnv, FIREBREAK_DB_SCHEMA: this.schemaOf(name), FIREBREAK_HTTP_PORT: String(port) };
    const child = spawn(process.execPath, [main], { cwd: this.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const service: RunningService = { name, url: `http://127.0.0.1:${port}`, process: child, output: [] };
    const keep = (chunk: Buffer) => service.output.push(...chunk.toString().split('\n').filter(Boolean).slice(-50));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.services.push(service);
    const tail = () => service.output.slice(-20).join('\n');
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${tail()}`);
        return (await fetch(`${service.url}/health/ready`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 240_000, intervalMs: 250, message: () => `${name} not ready:\n${tail()}` },
    );
  }

  schemaOf(name: string): string {
    return `${this.prefix}_${name.replace(/-/g, '_')}`;
  }

  /** Stops every service, then drops the run's schemas and streams. */
  async stopAndCleanUp(): Promise<void> {
    await Promise.all(this.services.map((s) => stopProcess(s.process)));
    const { DataSource } = await import('typeorm');
    const db = new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() });
    await db.initialize();
    for (const { name } of this.services) await db.query(`DROP SCHEMA IF EXISTS "${this.schemaOf(name)}" CASCADE`);
    await db.destroy();
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: await resolveNatsUrl() });
    const jsm = await jetstreamManager(nc);
    for await (const stream of jsm.streams.list()) {
      if (stream.config.name.endsWith(`_${this.prefix.toUpperCase()}`)) await jsm.streams.delete(stream.config.name);
    }
    await nc.close();
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  return exited;
}
