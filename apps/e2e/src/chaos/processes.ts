import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { waitFor } from '@firebreak/testing';
import { ROOT } from '../stack';

/** Keeps the last lines a process printed, for the messages of a failed run. */
class Tail {
  readonly lines: string[] = [];
  push(chunk: Buffer): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (this.lines.length > 300) this.lines.splice(0, this.lines.length - 300);
  }
  last(n = 20): string {
    return this.lines.slice(-n).join('\n');
  }
}

async function killHard(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function stopGently(child: ChildProcess | undefined, graceMs = 15_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * One built service (dist/apps/<app>/src/main.js) as a process on a fixed port, so that a restart
 * after `kill -9` answers at the same URL, as a restarted container behind a service name would.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private readonly tail = new Tail();
  /** Times this process was started (1 after the first start). */
  starts = 0;

  constructor(
    readonly app: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  output(n = 20): string {
    return this.tail.last(n);
  }

  async start(readyTimeoutMs = 90_000): Promise<void> {
    const main = join(ROOT, 'dist', 'apps', this.app, 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
    const child = spawn(process.execPath, [main], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, FIREBREAK_HTTP_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts++;
    child.stdout?.on('data', (chunk: Buffer) => this.tail.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.tail.push(chunk));
    await this.waitReady(readyTimeoutMs);
  }

  async waitReady(timeoutMs = 90_000): Promise<void> {
    const child = this.child;
    await waitFor(
      async () => {
        if (!child || child.exitCode !== null || child.signalCode !== null)
          throw new Error(`${this.app} exited (${child?.exitCode ?? child?.signalCode}):\n${this.output()}`);
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
        return response?.status === 200;
      },
      { timeoutMs, intervalMs: 200, message: () => `${this.app} not ready on ${this.url}:\n${this.output()}` },
    );
  }

  /** `kill -9`: no shutdown hook runs, whatever was in flight is lost with the process. */
  async kill9(): Promise<void> {
    await killHard(this.child);
  }

  async stop(): Promise<void> {
    await stopGently(this.child);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, '127.0.0.1', () => finish(true));
  });
}

/**
 * A nats-server of the run's own, with JetStream on a store in `storeDir`: killed and restarted on
 * that store without touching the NATS that other tests share.
 */
export class PrivateNats {
  private child?: ChildProcess;
  private readonly tail = new Tail();

  constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly binary = process.env.NATS_SERVER_BIN ??
      (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server'),
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  output(n = 20): string {
    return this.tail.last(n);
  }

  async start(): Promise<void> {
    const child = spawn(this.binary, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let ready = false;
    const keep = (chunk: Buffer) => {
      this.tail.push(chunk);
      if (chunk.toString().includes('Server is ready')) ready = true;
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', (error) => this.tail.push(Buffer.from(`spawn ${this.binary}: ${error.message}`)));
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nats-server exited:\n${this.output()}`);
        return ready && (await canConnect(this.port));
      },
      { timeoutMs: 30_000, intervalMs: 100, message: () => `nats-server not ready on ${this.port}:\n${this.output()}` },
    );
  }

  async kill9(): Promise<void> {
    await killHard(this.child);
  }

  async stop(): Promise<void> {
    await stopGently(this.child);
  }
}
