import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { LauncherError } from './errors';
import { canConnect, isLoopback, waitForPort, type Endpoint } from './net';
import type { Output } from './output';
import { spawnManaged } from './processes';
import { redactUrl } from './redact';
import type { Stack } from './stack';

const DEFAULT_NATS_PORT = 4222;
const FALLBACK_BINARIES = ['/usr/sbin/nats-server', '/usr/local/sbin/nats-server'];
const START_TIMEOUT_MS = 15_000;

export type NatsPlan =
  | { kind: 'use-running'; url: string }
  | { kind: 'start-own'; url: string; binary: string; port: number }
  | { kind: 'unavailable'; reason: string };

export interface NatsFacts {
  url: string;
  endpoint: Endpoint;
  answers: boolean;
  /** Path of a nats-server executable, if one was found. */
  binary: string | undefined;
}

export function planNats({ url, endpoint, answers, binary }: NatsFacts): NatsPlan {
  if (answers) return { kind: 'use-running', url };
  const where = `${endpoint.host}:${endpoint.port}`;
  if (!isLoopback(endpoint.host)) {
    return {
      kind: 'unavailable',
      reason: `Nothing answers at NATS_URL=${redactUrl(url)} (${where}), and it is not on this machine, so the launcher cannot start it. Start that server or point NATS_URL at one that runs.`,
    };
  }
  if (!binary) {
    return {
      kind: 'unavailable',
      reason: [
        `Nothing answers at ${where} and nats-server is not installed (looked in PATH and /usr/sbin).`,
        'Get it one of these ways, then run again:',
        '  apt-get install nats-server            (Debian/Ubuntu; the launcher then starts it with JetStream)',
        '  FIREBREAK_WEBHOOK_TOKENS=<token> docker compose up -d nats   (from this repository)',
        '  https://github.com/nats-io/nats-server/releases   (put nats-server on the PATH)',
        'or set NATS_URL to a running NATS server with JetStream enabled.',
      ].join('\n'),
    };
  }
  return { kind: 'start-own', url, binary, port: endpoint.port };
}

/** NATS_URL may hold several comma-separated servers and omit the scheme; the first one is probed. */
export function natsEndpoint(url: string): Endpoint {
  const first = url.split(',')[0].trim();
  const parsed = new URL(first.includes('://') ? first : `nats://${first}`);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return { host, port: parsed.port ? Number(parsed.port) : DEFAULT_NATS_PORT };
}

export function findExecutable(name: string, pathEnv: string | undefined, fallbacks: string[]): string | undefined {
  const dirs = (pathEnv ?? '').split(delimiter).filter(Boolean);
  return [...dirs.map((dir) => join(dir, name)), ...fallbacks].find(isExecutable);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface NatsInUse {
  url: string;
  startedHere: boolean;
  storeDir?: string;
}

export async function ensureNats(url: string, dataDir: string, stack: Stack, out: Output): Promise<NatsInUse> {
  let endpoint: Endpoint;
  try {
    endpoint = natsEndpoint(url);
  } catch {
    throw new LauncherError('bad_config', `NATS_URL is not a URL: "${redactUrl(url)}"`);
  }
  const answers = await canConnect(endpoint);
  const binary = answers ? undefined : findExecutable('nats-server', process.env.PATH, FALLBACK_BINARIES);
  const plan = planNats({ url, endpoint, answers, binary });
  switch (plan.kind) {
    case 'use-running':
      out.info(`NATS answers at ${redactUrl(url)}; using it`);
      return { url, startedHere: false };
    case 'unavailable':
      throw new LauncherError('nats_unavailable', plan.reason);
    case 'start-own':
      return startNats(plan, join(dataDir, 'nats'), stack, out);
  }
}

async function startNats(
  plan: { url: string; binary: string; port: number },
  storeDir: string,
  stack: Stack,
  out: Output,
): Promise<NatsInUse> {
  mkdirSync(storeDir, { recursive: true });
  out.info(`starting ${plan.binary} on 127.0.0.1:${plan.port} with JetStream (store ${storeDir})`);
  const args = ['-a', '127.0.0.1', '-p', String(plan.port), '-js', '-sd', storeDir];
  const nats = spawnManaged('nats', plan.binary, args, {
    cwd: process.cwd(),
    env: process.env,
    onLine: (line, stream) => out.line('nats', line, stream),
  });
  stack.add(nats, 'infra');
  const up = await waitForPort({ host: '127.0.0.1', port: plan.port }, START_TIMEOUT_MS, stack.signal);
  if (!up && !stack.isStopping) {
    throw new LauncherError(
      'start_failed',
      `nats-server did not accept connections on 127.0.0.1:${plan.port} within ${START_TIMEOUT_MS / 1000} s (its output is above)`,
    );
  }
  return { url: plan.url, startedHere: true, storeDir };
}
