import { createServer, IncomingMessage, Server } from 'node:http';

export interface Delivery {
  at: number;
  idempotencyKey: string | undefined;
}

/**
 * The webhook channel's far end: a real HTTP server that answers 200 at once and counts what it got
 * per fingerprint and kind (the body is the announcement's CloudEvent), with each delivery's
 * `idempotency-key` header and time.
 */
export class CountingReceiver {
  /** `${fingerprint} ${kind}` → every delivery of it, in arrival order. */
  readonly deliveries = new Map<string, Delivery[]>();
  /** Bodies that were not an alert announcement of a known kind (a folded summary, a test message). */
  other = 0;
  requests = 0;
  private server?: Server;
  url = '';

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      void this.read(req).then(
        (raw) => {
          this.record(raw, req.headers['idempotency-key']);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        },
        () => res.destroy(),
      );
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  }

  count(fingerprint: string, kind: string): number {
    return this.deliveries.get(`${fingerprint} ${kind}`)?.length ?? 0;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async read(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  private record(raw: string, key: string | string[] | undefined): void {
    this.requests++;
    let body: { data?: { kind?: unknown; alert?: { fingerprint?: unknown } } } | undefined;
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      body = undefined;
    }
    const kind = body?.data?.kind;
    const fingerprint = body?.data?.alert?.fingerprint;
    if (typeof kind !== 'string' || typeof fingerprint !== 'string') {
      this.other++;
      return;
    }
    const id = `${fingerprint} ${kind}`;
    const list = this.deliveries.get(id) ?? [];
    list.push({ at: Date.now(), idempotencyKey: Array.isArray(key) ? key[0] : key });
    this.deliveries.set(id, list);
  }
}
