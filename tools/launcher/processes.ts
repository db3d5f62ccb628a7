import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { LineSplitter } from './prefix';
import type { Stream } from './output';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface SpawnOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  onLine: (line: string, stream: Stream) => void;
  /** Opens an IPC channel (the embedded Postgres helper reports readiness through it). */
  ipc?: boolean;
}

/** How long to wait, after a child exits, for its last output before calling it gone. */
const OUTPUT_DRAIN_MS = 500;

export class ManagedProcess {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  /** Set when stop() had to fall back to SIGKILL. */
  forceKilled = false;

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      const done = (info: ExitInfo): void => {
        this.exitInfo ??= info;
        resolve(this.exitInfo);
      };
      child.once('error', (error) => {
        if (child.pid === undefined) done({ code: null, signal: null, error });
      });
      // 'close' waits for stdio to end, so the last lines are printed before anyone reports the exit;
      // a grandchild holding the pipe open must not hide the exit though, hence the bounded wait.
      child.once('exit', (code, signal) => {
        this.exitInfo ??= { code, signal };
        setTimeout(() => done({ code, signal }), OUTPUT_DRAIN_MS).unref();
      });
      child.once('close', (code, signal) => done({ code, signal }));
    });
  }

  get running(): boolean {
    return this.exitInfo === undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * SIGTERM, then SIGKILL to the whole process group if it has not exited within the grace period.
   * Whatever the child left behind in its group (an initdb, a runbook's command) is killed after it.
   */
  async stop(graceMs: number): Promise<ExitInfo> {
    if (!this.running) {
      const info = await this.exited;
      this.signalGroup('SIGKILL');
      return info;
    }
    this.child.kill('SIGTERM');
    const timeout = new AbortController();
    const outcome = await Promise.race([
      this.exited.then(() => 'exited' as const),
      delay(graceMs, 'timeout' as const, { signal: timeout.signal }).catch(() => 'exited' as const),
    ]);
    timeout.abort();
    if (outcome === 'timeout') {
      this.forceKilled = true;
      this.kill('SIGKILL');
    }
    const info = await this.exited;
    this.signalGroup('SIGKILL');
    return info;
  }

  kill(signal: NodeJS.Signals): void {
    if (!this.running) return;
    if (!this.signalGroup(signal)) this.child.kill(signal);
  }

  /** Every child leads its own process group (see spawnManaged), so -pid reaches all of it. */
  private signalGroup(signal: NodeJS.Signals): boolean {
    const pid = this.child.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Every child gets its own process group (detached): a Ctrl-C in the terminal then reaches only the
 * launcher, which stops services before the NATS and Postgres they drain into. Without it, each child
 * would get the terminal's SIGINT and then our SIGTERM, and Nest treats a second signal as "die now".
 */
export function spawnManaged(label: string, command: string, args: string[], options: SpawnOptions): ManagedProcess {
  const stdio: StdioOptions = options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio, detached: true });
  pipeLines(child.stdout, (line) => options.onLine(line, 'stdout'));
  pipeLines(child.stderr, (line) => options.onLine(line, 'stderr'));
  return new ManagedProcess(label, child);
}

function pipeLines(stream: Readable | null, onLine: (line: string) => void): void {
  if (!stream) return;
  const splitter = new LineSplitter();
  stream.on('data', (chunk: Buffer) => splitter.push(chunk).forEach(onLine));
  stream.on('end', () => {
    const rest = splitter.flush();
    if (rest !== undefined) onLine(rest);
  });
}

export function describeExit(info: ExitInfo): string {
  if (info.error) return `could not be started: ${info.error.message}`;
  if (info.signal) return `was killed by ${info.signal}`;
  return `exited with code ${info.code ?? 'unknown'}`;
}
