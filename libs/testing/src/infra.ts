import { randomBytes } from 'node:crypto';
import { createServer, Socket } from 'node:net';

const LOCAL_NATS_URL = 'nats://127.0.0.1:4222';
const LOCAL_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const PROBE_TIMEOUT_MS = 1000;

const NATS_START =
  'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- ' +
  '-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log';
const POSTGRES_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const DOCKER_HINT =
  'With Docker instead: set FIREBREAK_TEST_DOCKER=1, start `docker run -d -p 4222:4222 nats:2.10 -js` and ' +
  '`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16`, then set ' +
  `NATS_URL=${LOCAL_NATS_URL} and DATABASE_URL=${LOCAL_DATABASE_URL}.`;

/** NATS for integration tests: NATS_URL, else a reachable local server, else an error saying how to start one. */
export async function resolveNatsUrl(): Promise<string> {
  return resolveService('NATS (with JetStream)', 'NATS_URL', LOCAL_NATS_URL, NATS_START);
}

/** Postgres for integration tests: DATABASE_URL, else a reachable local server, else an error saying how to start one. */
export async function resolveDatabaseUrl(): Promise<string> {
  return resolveService('Postgres', 'DATABASE_URL', LOCAL_DATABASE_URL, POSTGRES_START);
}

async function resolveService(name: string, envVar: string, localUrl: string, startCommand: string): Promise<string> {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  const { hostname, port } = new URL(localUrl);
  if (await canConnect(hostname, Number(port), PROBE_TIMEOUT_MS)) return localUrl;
  throw new Error(
    `${name} is needed by the integration tests, but ${envVar} is not set and nothing answers at ${hostname}:${port}.\n` +
      `Start it locally with:\n  ${startCommand}\n` +
      `or set ${envVar} to a running server.\n${DOCKER_HINT}`,
  );
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, host, () => finish(true));
  });
}

/**
 * A fresh id such as `t_alerts_3f9a0c12d4`: lowercase [a-z0-9_] only, so it is both a NATS subject
 * token and a Postgres schema name (short enough for the 63-byte identifier limit).
 */
export function uniqueTestId(label: string): string {
  const clean = label
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 24);
  const suffix = randomBytes(5).toString('hex');
  return clean ? `t_${clean}_${suffix}` : `t_${suffix}`;
}

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What was awaited; a function is evaluated at timeout so it can report the state then. */
  message?: string | (() => string);
}

/** Polls `predicate` until it is true; a throwing predicate fails at once rather than being retried. */
export async function waitFor(
  predicate: () => Promise<boolean> | boolean,
  { timeoutMs = 10_000, intervalMs = 50, message = 'condition' }: WaitForOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() >= deadline) {
      const text = typeof message === 'function' ? message() : message;
      throw new Error(`waitFor timed out after ${timeoutMs} ms: ${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A TCP port that was free on 127.0.0.1 a moment ago (another process may still take it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not read the listening port'))));
    });
  });
}
