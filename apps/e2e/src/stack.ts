import { ChildProcess, spawn } from 'node:child_process';
import { serviceNodeArgs } from '@firebreak/contracts';
import { existsSync, mkdtempSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, resolveDatabaseUrl, resolveNatsUrl, uniqueTestId, waitFor } from '@firebreak/testing';

/** The repository root, from the source tree (jest) or from dist/ alike. */
export const ROOT = findRoot(__dirname);

function findRoot(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'nx.json'))) return dir;
  throw new Error(`no nx.json above ${start}`);
}
export const APPS = ['ingress', 'mapper', 'runbook-executor', 'detector-scheduler', 'notifier', 'slo-reporter', 'knowledge'] as const;
/** Started only when a test names it: the console (no tables of its own) forwards to the services started before it. */
export const OPTIONAL_APPS = ['console'] as const;
export type App = (typeof APPS)[number] | (typeof OPTIONAL_APPS)[number];

export interface RunningService {
  app: App;
  url: string;
  process: ChildProcess;
  output: string[];
}

export interface StackOptions {
  apps?: readonly App[];
  /** Environment for every service (on top of the isolation settings). */
  env?: Record<string, string>;
  /** Files to write into the stack's own config dir (name → content); the repo's config/ is copied first. */
  configFiles?: Record<string, string>;
}

/**
 * The built services (`npm run build`) as real processes, isolated from any other run by a subject
 * prefix and per-run schemas, each on a free port.
 */
export class Stack {
  readonly prefix = uniqueTestId('e2e');
  readonly services = new Map<App, RunningService>();
  readonly configDir: string;
  private baseEnv: Record<string, string> = {};

  constructor(private readonly options: StackOptions = {}) {
    this.configDir = mkdtempSync(join(tmpdir(), 'firebreak-e2e-'));
    if (existsSync(join(ROOT, 'config'))) cpSync(join(ROOT, 'config'), this.configDir, { recursive: true });
    for (const [name, content] of Object.entries(options.configFiles ?? {})) writeFileSync(join(this.configDir, name), content);
  }

  schemaOf(app: App): string {
    return `${this.prefix}_${app.replace(/-/g, '_')}`;
  }

  url(app: App): string {
    const service = this.services.get(app);
    if (!service) throw new Error(`${app} is not running in this stack`);
    return service.url;
  }

  async start(): Promise<void> {
    this.baseEnv = {
      NATS_URL: await resolveNatsUrl(),
      DATABASE_URL: await resolveDatabaseUrl(),
      FIREBREAK_SUBJECT_PREFIX: this.prefix,
      FIREBREAK_CONFIG_DIR: this.configDir,
      FIREBREAK_HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ...this.options.env,
    };
    const apps = this.options.apps ?? APPS;
    await Promise.all(apps.filter((app) => app !== 'console').map((app) => this.startService(app)));
    // After the others: it is pointed at their (free, random) ports.
    if (apps.includes('console')) await this.startService('console');
  }

  /** FIREBREAK_URL_<SERVICE> of every service running now, for the console to forward to. */
  upstreamEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [app, service] of this.services) {
      if (app !== 'console') env[`FIREBREAK_URL_${app.toUpperCase().replace(/-/g, '_')}`] = service.url;
    }
    return env;
  }

  async startService(app: App, extraEnv: Record<string, string> = {}): Promise<RunningService> {
    const main = join(ROOT, 'dist', 'apps', app, 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first (npm test does)`);
    const port = await freePort();
    const env = {
      ...process.env,
      ...this.baseEnv,
      FIREBREAK_DB_SCHEMA: this.schemaOf(app),
      FIREBREAK_HTTP_PORT: String(port),
      ...(app === 'console' ? this.upstreamEnv() : {}),
      ...extraEnv,
    };
    // Started as `npm start` starts it (the same V8 flags), so memory and CPU measured here are what operators get.
    const child = spawn(process.execPath, [...serviceNodeArgs(app, (env as NodeJS.ProcessEnv).NODE_OPTIONS), main], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service: RunningService = { app, url: `http://127.0.0.1:${port}`, process: child, output: [] };
    const keep = (chunk: Buffer) => service.output.push(...chunk.toString().split('\n').filter(Boolean).slice(-200));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.services.set(app, service);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${app} exited with ${child.exitCode}:\n${service.output.slice(-20).join('\n')}`);
        return (await fetch(`${service.url}/health/ready`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: () => `${app} not ready:\n${service.output.slice(-20).join('\n')}` },
    );
    return service;
  }

  /** Kills a service like a crash would (SIGKILL) or stops it gracefully (SIGTERM). */
  async stopService(app: App, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const service = this.services.get(app);
    if (!service) return;
    if (service.process.exitCode !== null || service.process.signalCode !== null) return void this.services.delete(app);
    const exited = new Promise((resolveExit) => service.process.once('exit', resolveExit));
    service.process.kill(signal);
    await exited;
    this.services.delete(app);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.services.keys()].map((app) => this.stopService(app)));
  }

  /** Removes the run's schemas and streams. */
  async cleanUp(): Promise<void> {
    await this.stop();
    const { DataSource } = await import('typeorm');
    const db = new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() });
    await db.initialize();
    for (const app of APPS) await db.query(`DROP SCHEMA IF EXISTS "${this.schemaOf(app)}" CASCADE`);
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
