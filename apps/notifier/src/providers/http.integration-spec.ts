import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { waitFor } from '@firebreak/testing';
import { parseChannelSet } from '../channel-config/channel-set';
import { Notification } from '../notifications/notification';
import { NotifierConfig } from '../service';
import { isAnswer, postJson } from './http';
import { WebhookProvider } from './webhook.provider';

const notification: Notification = {
  kind: 'test',
  severity: 'info',
  emoji: '🧪',
  source: 'firebreak',
  status: 'TEST',
  title: 'test',
  details: [],
  links: [],
  dedupKey: 'test',
  labels: {},
  annotations: {},
  occurredAt: '2025-01-01T00:00:00.000Z',
};
const webhook = new WebhookProvider({ FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS: 5000 } as NotifierConfig);
const webhookChannel = (url: string, headers: Record<string, string> = {}) =>
  parseChannelSet(JSON.stringify({ channels: [{ name: 'hook', type: 'webhook', url, headers }] }), {}, 'channels.yaml').channels[0];

/**
 * The HTTP client every provider posts with (undici's pooled keep-alive connections): what node:http
 * did before must still hold — headers and body as sent, credentials in the URL as Basic auth, no
 * redirect followed, a timeout and a refused connection as retries that never name the URL, an
 * oversized answer cut, connections reused and at most 64 per origin.
 */
describe('postJson', () => {
  const servers: Server[] = [];
  let base: string;
  let answer: (req: IncomingMessage, body: string, res: ServerResponse) => void;
  let received = 0;
  let open = 0;
  let mostOpen = 0;
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, then: () => void) => timers.push(setTimeout(then, ms));
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /**
   * A server on a port of its own: a new origin, so a pool of its own in the client, and its own
   * count of connections (undici reconnects to an origin after a connection is aborted there).
   */
  async function startServer(): Promise<{ url: string; sockets: Set<Socket> }> {
    const sockets = new Set<Socket>();
    const server = createServer((req, res) => {
      received++;
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        open++;
        mostOpen = Math.max(mostOpen, open);
        res.on('close', () => open--);
        answer(req, Buffer.concat(chunks).toString('utf8'), res);
      });
    });
    server.on('connection', (socket: Socket) => sockets.add(socket));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
  }

  beforeAll(async () => {
    base = (await startServer()).url;
  });

  beforeEach(() => {
    received = 0;
    mostOpen = 0;
    answer = (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });

  afterAll(async () => {
    for (const timer of timers) clearTimeout(timer);
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends the body and headers as given, and reads the answer', async () => {
    let seen: { req: IncomingMessage; body: string } | undefined;
    answer = (req, body, res) => {
      seen = { req, body };
      res.writeHead(202, { 'retry-after': '3' }).end('accepted');
    };
    const result = await postJson(
      `${base}/hook?x=1`,
      { a: 'ü' },
      { timeoutMs: 5000, contentType: 'application/x+json', headers: { 'idempotency-key': 'd-1' } },
    );
    expect(result).toEqual({ status: 202, headers: expect.objectContaining({ 'retry-after': '3' }), body: 'accepted' });
    expect(seen!.req.method).toBe('POST');
    expect(seen!.req.url).toBe('/hook?x=1');
    expect(seen!.body).toBe('{"a":"ü"}');
    expect(seen!.req.headers).toMatchObject({
      'content-type': 'application/x+json',
      'idempotency-key': 'd-1',
      'user-agent': 'Firebreak-Notifier/1',
      'content-length': String(Buffer.byteLength('{"a":"ü"}')),
    });
  });

  it('sends credentials in the URL as Basic auth', async () => {
    let authorization: string | undefined;
    answer = (req, _body, res) => {
      authorization = req.headers.authorization;
      res.end('ok');
    };
    await postJson(`${base.replace('//', '//us%40er:p%3Ass@')}/hook`, {}, { timeoutMs: 5000 });
    expect(authorization).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
  });

  it('takes caller headers in any letter case, the last given winning, and URL credentials only without one (as node:http)', async () => {
    let seen: IncomingMessage | undefined;
    answer = (req, _body, res) => {
      seen = req;
      res.end('ok');
    };
    const channel = webhookChannel(`${base.replace('//', '//user:pass@')}/hook`, {
      Authorization: 'Bearer t0ken',
      'Content-Type': 'application/json',
      'User-Agent': 'n8n-hook/2',
      // The provider's own key (the delivery id) comes later, so it wins: every repeat stays distinguishable.
      'Idempotency-Key': 'static',
    });
    expect(await webhook.send(channel, { id: 'd-7', target: 'default', notification })).toMatchObject({ result: 'sent' });
    const names = seen!.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
    expect(names).toEqual([...new Set(names)]);
    expect(seen!.headers).toMatchObject({
      authorization: 'Bearer t0ken',
      'content-type': 'application/json',
      'user-agent': 'n8n-hook/2',
      'idempotency-key': 'd-7',
    });
  });

  it('reads a repeated answer header as node:http did: a 200 with two Retry-After is sent, once', async () => {
    answer = (_req, _body, res) =>
      res.writeHead(200, ['Retry-After', '5', 'Retry-After', '7', 'Vary', 'a', 'Vary', 'b', 'Set-Cookie', 's=1']).end('ok');
    expect(await webhook.send(webhookChannel(`${base}/hook`), { id: 'd-8', target: 'default', notification })).toEqual({
      result: 'sent',
      status: 200,
      excerpt: 'ok',
    });
    expect(received).toBe(1);
    const result = await postJson(`${base}/hook`, {}, { timeoutMs: 5000 });
    expect(isAnswer(result) && result.headers).toMatchObject({ 'retry-after': '5', vary: 'a, b', 'set-cookie': ['s=1'] });
  });

  it('follows no redirect', async () => {
    let requests = 0;
    answer = (_req, _body, res) => {
      requests++;
      res.writeHead(302, { location: `${base}/elsewhere` }).end();
    };
    const result = await postJson(`${base}/hook`, {}, { timeoutMs: 5000 });
    expect(isAnswer(result) && result.status).toBe(302);
    expect(requests).toBe(1);
  });

  it('gives up after the timeout, as a retry that does not name the URL', async () => {
    answer = (_req, _body, res) => later(2000, () => res.end('late'));
    // Waited for, the answer would be 'late' (2 s), not a retry.
    const result = await postJson(`${base}/bot123:SECRET/sendMessage`, {}, { timeoutMs: 200 });
    expect(result).toEqual({ result: 'retry', reason: 'network', error: 'request failed: no answer within 200 ms' });
  });

  it('reads an answer that came in time but was read late (the event loop stalled past the timeout): no retry, no second send', async () => {
    // The answer is on the socket; then the process stalls past the timeout, and the timer is due before the
    // socket is read. Given up, the delivery would be sent again though the receiver took it.
    answer = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      setImmediate(() => {
        const until = Date.now() + 400;
        while (Date.now() < until);
      });
    };
    const result = await postJson(`${base}/hook`, {}, { timeoutMs: 200 });
    expect(isAnswer(result) && [result.status, result.body]).toEqual([200, '{"ok":true}']);
  });

  it('bounds the wait for a free connection by the timeout; a request given up meanwhile is never sent and costs no connection', async () => {
    const { url: fresh, sockets } = await startServer();
    answer = (_req, _body, res) => later(600, () => res.end('ok'));
    let busyAnswered = 0;
    const busy = Array.from({ length: 64 }, () => postJson(`${fresh}/hook`, {}, { timeoutMs: 5000 }).finally(() => busyAnswered++));
    const queued = await Promise.all(Array.from({ length: 20 }, () => postJson(`${fresh}/hook`, {}, { timeoutMs: 150 })));
    // Given up at their own timeout, not once a busy connection came free (the busy ones are answered after 600 ms).
    expect(busyAnswered).toBe(0);
    expect(queued).toEqual(Array(20).fill({ result: 'retry', reason: 'network', error: 'request failed: no connection within 150 ms' }));
    await Promise.all(busy);
    await pause(100);
    expect(received).toBe(64);
    // The 64 connections outlive the given-up requests: the next 64 at once need no new one.
    answer = (_req, _body, res) => later(100, () => res.end('ok'));
    const next = await Promise.all(Array.from({ length: 64 }, () => postJson(`${fresh}/hook`, {}, { timeoutMs: 5000 })));
    expect(next.every((r) => isAnswer(r) && r.status === 200)).toBe(true);
    expect(received).toBe(128);
    expect(sockets.size).toBe(64);
  });

  it('gives a request that waited for a connection its whole timeout on the wire: not given up on an answer in time, not sent twice', async () => {
    // A storm's channel has more sends going than the pool has connections, and a starved process is slow to free
    // them: with one timeout over the wait and the wire, a request went out with what was left of it and was given up
    // as a timeout though the receiver took it, and its delivery was sent again.
    const { url: fresh } = await startServer();
    answer = (_req, _body, res) => later(1600, () => res.end('ok'));
    const busy = Array.from({ length: 64 }, () => postJson(`${fresh}/hook`, {}, { timeoutMs: 2400 }));
    // Waits ~1.6 s for a connection, then ~1.6 s for its answer: 3.2 s in all, past the 2.4 s timeout, each part within it.
    const waited = await postJson(`${fresh}/hook`, {}, { timeoutMs: 2400 });
    expect(isAnswer(waited) && [waited.status, waited.body]).toEqual([200, 'ok']);
    expect((await Promise.all(busy)).every((r) => isAnswer(r) && r.status === 200)).toBe(true);
    expect(received).toBe(65);
  });

  it('answers a refused connection with a retry that does not name the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await postJson(`http://127.0.0.1:${port}/bot123:SECRET/sendMessage`, {}, { timeoutMs: 3000 });
    expect(result).toMatchObject({ result: 'retry', reason: 'network' });
    expect(JSON.stringify(result)).toContain('ECONNREFUSED');
    expect(JSON.stringify(result)).not.toContain('SECRET');
  });

  it('cuts an oversized answer at 64 KiB and stops reading it (the server streams without end)', async () => {
    let closed = false;
    answer = (_req, _body, res) => {
      const chunk = 'x'.repeat(16 * 1024);
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump).on('close', () => (closed = true));
      pump();
    };
    // Read to the end, the answer would never come: a retry at the timeout, not 64 KiB.
    const result = await postJson(`${base}/hook`, {}, { timeoutMs: 3000 });
    expect(isAnswer(result) && result.body.length).toBe(64 * 1024);
    await waitFor(() => closed, { message: 'the connection of the oversized answer to be closed' });
  });

  it('reuses its connections, and opens at most 64 to one origin', async () => {
    const { url: fresh, sockets } = await startServer();
    for (let i = 0; i < 20; i++) await postJson(`${fresh}/hook`, { i }, { timeoutMs: 5000 });
    // Two, not one: undici's pool opens a second connection when the next request comes back to back,
    // before the first connection has reported itself free; both are then reused.
    expect(sockets.size).toBeLessThanOrEqual(2);
    answer = (_req, _body, res) => later(100, () => res.end('ok'));
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => postJson(`${fresh}/hook`, { i }, { timeoutMs: 5000 })));
    expect(results.every((r) => isAnswer(r) && r.status === 200)).toBe(true);
    expect(mostOpen).toBe(64);
  });
});
