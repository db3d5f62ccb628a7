import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { isAnswer, postJson } from './http';

/**
 * The HTTP client every provider posts with (undici's pooled keep-alive connections): what node:http
 * did before must still hold — headers and body as sent, credentials in the URL as Basic auth, no
 * redirect followed, a timeout and a refused connection as retries that never name the URL, an
 * oversized answer cut, connections reused and at most 64 per origin.
 */
describe('postJson', () => {
  let server: Server;
  let base: string;
  let answer: (req: IncomingMessage, body: string, res: ServerResponse) => void;
  const sockets = new Set<Socket>();
  let open = 0;
  let mostOpen = 0;
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, then: () => void) => timers.push(setTimeout(then, ms));

  beforeAll(async () => {
    server = createServer((req, res) => {
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
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    sockets.clear();
    mostOpen = 0;
    answer = (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });

  afterAll(async () => {
    for (const timer of timers) clearTimeout(timer);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
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
    const started = Date.now();
    const result = await postJson(`${base}/bot123:SECRET/sendMessage`, {}, { timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(result).toEqual({ result: 'retry', reason: 'network', error: 'request failed: no answer within 200 ms' });
  });

  it('counts the wait for a free connection in the timeout, and never sends a request given up meanwhile', async () => {
    let requests = 0;
    answer = (_req, _body, res) => {
      requests++;
      later(600, () => res.end('ok'));
    };
    const busy = Array.from({ length: 64 }, () => postJson(`${base}/hook`, {}, { timeoutMs: 5000 }));
    const started = Date.now();
    const queued = await postJson(`${base}/hook`, {}, { timeoutMs: 150 });
    expect(Date.now() - started).toBeLessThan(500);
    expect(queued).toEqual({ result: 'retry', reason: 'network', error: 'request failed: no answer within 150 ms' });
    await Promise.all(busy);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(requests).toBe(64);
  });

  it('answers a refused connection with a retry that does not name the URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await postJson(`http://127.0.0.1:${port}/bot123:SECRET/sendMessage`, {}, { timeoutMs: 2000 });
    expect(result).toMatchObject({ result: 'retry', reason: 'network' });
    expect(JSON.stringify(result)).toContain('ECONNREFUSED');
    expect(JSON.stringify(result)).not.toContain('SECRET');
  });

  it('cuts an oversized answer at 64 KiB', async () => {
    answer = (_req, _body, res) => res.end('x'.repeat(300 * 1024));
    const result = await postJson(`${base}/hook`, {}, { timeoutMs: 5000 });
    expect(isAnswer(result) && result.body.length).toBe(64 * 1024);
  });

  it('reuses its connections, and opens at most 64 to one origin', async () => {
    for (let i = 0; i < 20; i++) await postJson(`${base}/hook`, { i }, { timeoutMs: 5000 });
    expect(sockets.size).toBe(1);
    answer = (_req, _body, res) => later(100, () => res.end('ok'));
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => postJson(`${base}/hook`, { i }, { timeoutMs: 5000 })));
    expect(results.every((r) => isAnswer(r) && r.status === 200)).toBe(true);
    expect(mostOpen).toBe(64);
  });
});
