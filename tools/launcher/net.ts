import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface Endpoint {
  host: string;
  port: number;
}

/** True when something accepts a TCP connection at the endpoint within the timeout. */
export function canConnect({ host, port }: Endpoint, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Polls until the endpoint accepts connections; false when the deadline passes or the signal aborts. */
export async function waitForPort(endpoint: Endpoint, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!signal.aborted && Date.now() < deadline) {
    if (await canConnect(endpoint, 500)) return true;
    await delay(200, undefined, { signal }).catch(() => undefined);
  }
  return false;
}

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
