import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamDefinitions } from '@firebreak/contracts';
import { freePort, resolveNatsUrl, uniqueTestId, waitFor } from '@firebreak/testing';

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export interface Running {
  url: string;
  /** CPU seconds the process and its children (cluster workers) have used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

const CLOCK_TICKS = 100;

function ownCpuTicks(pid: number): number {
  // Fields after the parenthesised name: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Linux only (/proc): the CPU of a process tree, so a machine shared with other work still gives a cost per alert. */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop()!;
    try {
      ticks += ownCpuTicks(current);
      const children = readFileSync(`/proc/${current}/task/${current}/children`, 'utf8').trim();
      if (children) pending.push(...children.split(' ').map(Number));
    } catch {
      // exited meanwhile
    }
  }
  return ticks / CLOCK_TICKS;
}

/**
 * CPU seconds of every nats-server on this box: the ingress's acks cost the server's CPU too, on the same two
 * cores. With other work using the same server (tests, other benches) this reads high; run the bench on a quiet box.
 */
export function natsServerCpuSeconds(): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'nats-server') ticks += ownCpuTicks(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return ticks / CLOCK_TICKS;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

async function untilReady(url: string, child: ChildProcess, output: string[]): Promise<void> {
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output.join('').slice(-2000)}`);
      return (await fetch(url).catch(() => undefined))?.status === 200;
    },
    { timeoutMs: 60_000, intervalMs: 200, message: () => `not ready: ${output.join('').slice(-2000)}` },
  );
}

/** A real Alertmanager (Debian's prometheus-alertmanager) whose receiver is never reached within a run. */
export async function startAlertmanager(): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-am-'));
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    'route:\n  receiver: none\n  group_wait: 10m\n  group_interval: 10m\n  repeat_interval: 1h\nreceivers:\n  - name: none\n',
  );
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await untilReady(`${url}/-/ready`, child, output);
  return { url, cpuSeconds: () => treeCpuSeconds(child.pid!), stop: () => stopChild(child) };
}

/** The built ingress (`npm run build`) with its own subject prefix; its streams are removed on stop. */
export async function startIngress(mainJs: string, env: Record<string, string>, execArgv: string[] = []): Promise<Running> {
  const port = await freePort();
  const prefix = uniqueTestId('bench');
  const natsUrl = await resolveNatsUrl();
  const output: string[] = [];
  const child = spawn(process.execPath, [...execArgv, mainJs], {
    env: {
      // eslint-disable-next-line no-restricted-syntax -- the child's environment (PATH and the like), not configuration
      ...process.env,
      NATS_URL: natsUrl,
      FIREBREAK_SUBJECT_PREFIX: prefix,
      FIREBREAK_HTTP_HOST: '127.0.0.1',
      FIREBREAK_HTTP_PORT: String(port),
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => output.push(chunk.toString());
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  await untilReady(`${url}/health/ready`, child, output);
  return {
    url,
    cpuSeconds: () => treeCpuSeconds(child.pid!),
    stop: async () => {
      await stopChild(child);
      const { connect } = await import('@nats-io/transport-node');
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const nc = await connect({ servers: natsUrl });
      const jsm = await jetstreamManager(nc);
      for (const stream of streamDefinitions({ subjectPrefix: prefix })) await jsm.streams.delete(stream.name).catch(() => undefined);
      await nc.close();
    },
  };
}
