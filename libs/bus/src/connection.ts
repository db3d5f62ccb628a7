import { connect, NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { busMetrics } from './metrics';
import { redactUrl } from './redact';

export interface BusConnectionOptions {
  natsUrl: string;
  /** Connection name seen by the server: the service's name. */
  name: string;
  logger: Logger;
}

/**
 * One NATS connection per process. It reconnects forever: a service that lost NATS keeps serving
 * what it can, reports not-ready, and picks up where it was when NATS returns.
 */
export class BusConnection {
  private connected = false;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly logger: Logger,
  ) {
    this.connected = true;
    busMetrics.connected.set(1);
    void this.watchStatus();
  }

  static async connect(options: BusConnectionOptions): Promise<BusConnection> {
    const servers = options.natsUrl.split(',').map((url) => url.trim());
    options.logger.info({ nats: servers.map(redactUrl) }, 'connecting to NATS');
    const nc = await connect({
      servers,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
      // Async stack traces cost about half the CPU of a publish; the hot path cannot afford them.
      noAsyncTraces: true,
    });
    const jsm = await jetstreamManager(nc);
    return new BusConnection(nc, jetstream(nc), jsm, options.logger);
  }

  isConnected(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  /** Round trip to the server; throws when NATS does not answer in time. */
  async ping(timeoutMs = 1000): Promise<number> {
    if (!this.isConnected()) throw new Error('NATS is disconnected');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`NATS did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.nc.rtt(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async drain(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain();
  }

  private async watchStatus(): Promise<void> {
    for await (const status of this.nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.connected = false;
          busMetrics.connected.set(0);
          this.logger.warn({ server: status.server }, 'NATS connection lost; reconnecting');
          break;
        case 'reconnect':
          this.connected = true;
          busMetrics.connected.set(1);
          this.logger.info({ server: status.server }, 'NATS connection restored');
          break;
        case 'error':
          this.logger.error({ err: status.error }, 'NATS error');
          break;
        case 'close':
          this.connected = false;
          busMetrics.connected.set(0);
          return;
        case 'reconnecting':
        case 'update':
        case 'ldm':
        case 'ping':
        case 'staleConnection':
        case 'slowConsumer':
        case 'forceReconnect':
          break;
      }
    }
  }
}
