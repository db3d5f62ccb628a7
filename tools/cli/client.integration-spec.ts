import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { ApiClient, CliError, EXIT } from './client';
import { CliSettings, SERVICE_NAMES, ServiceName } from './settings';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A real HTTP server on a free port that does what `handler` does with each request (after reading its body). */
async function serve(handler: Handler): Promise<{ url: string; server: Server; received: string[] }> {
  const received: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(`${request.method} ${request.url} ${body}`);
      handler(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, received };
}

const settingsFor = (url: string): CliSettings => ({
  urls: Object.fromEntries(SERVICE_NAMES.map((name) => [name, url])) as Record<ServiceName, string>,
  token: 't',
  tokenFrom: 'test',
  warnings: [],
});

async function failure(promise: Promise<unknown>): Promise<CliError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

describe('ApiClient when no answer comes back (a real HTTP server)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  const start = async (handler: Handler) => {
    const started = await serve(handler);
    servers.push(started.server);
    return started;
  };

  it('says "cannot reach", exit 3, when nothing listens (nothing was sent)', async () => {
    const { url, server } = await serve(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const error = await failure(new ApiClient(settingsFor(url)).post('runbook-executor', '/api/v1/runbooks/x/execute', {}));
    expect(error.exitCode).toBe(EXIT.unreachable);
    expect(error.message).toBe(`cannot reach runbook-executor at ${url} (ECONNREFUSED)`);
  });

  it('a POST the service received but answered with a reset: exit 4, may have taken effect, how to check', async () => {
    const { url, received } = await start((request) => request.socket.destroy());
    const client = new ApiClient(settingsFor(url));
    const error = await failure(
      client.post('runbook-executor', '/api/v1/runbooks/x/execute', { mode: 'live' }, { check: 'execution list --runbook x' }),
    );
    expect(received).toEqual(['POST /api/v1/runbooks/x/execute {"mode":"live"}']);
    expect(error.exitCode).toBe(EXIT.unknownOutcome);
    expect(error.message).toMatch(/^sent POST \/api\/v1\/runbooks\/x\/execute to runbook-executor at \S+, but no answer \(\w+\)/);
    expect(error.message).toContain('it may have taken effect — check with `firebreak execution list --runbook x` before retrying');
    expect(error.message).not.toContain('cannot reach');

    const read = await failure(client.get('runbook-executor', '/api/v1/executions?limit=1'));
    expect(read.exitCode).toBe(EXIT.unreachable);
    expect(read.message).toMatch(/^no answer from runbook-executor at \S+ to GET \/api\/v1\/executions \(/);
    const test = await failure(client.post('mapper', '/api/v1/mappings/test', { labels: {} }, { readOnly: true }));
    expect(test.exitCode).toBe(EXIT.unreachable);
    expect(test.message).toMatch(/^no answer from mapper at \S+ to POST \/api\/v1\/mappings\/test \(/);
  });

  it('a reset while the body is read is the same unknown outcome', async () => {
    const { url } = await start((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"executionId":');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const error = await failure(new ApiClient(settingsFor(url)).delete('mapper', '/api/v1/silences/s'));
    expect(error.exitCode).toBe(EXIT.unknownOutcome);
    expect(error.message).toContain('check with `firebreak … show/list`');
  });

  it('a timeout after the request went out (and one while reading the body) is exit 4 too', async () => {
    const silent = await start(() => undefined);
    const slowBody = await start((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{');
    });
    for (const { url } of [silent, slowBody]) {
      const error = await failure(new ApiClient(settingsFor(url), 300).post('mapper', '/api/v1/alerts/0123456789abcdef/acknowledge'));
      expect(error.exitCode).toBe(EXIT.unknownOutcome);
      expect(error.message).toContain('but no answer (no answer within 0.3 s)');
    }
  });

  it('still returns the JSON of an answer', async () => {
    const { url } = await start((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
    await expect(new ApiClient(settingsFor(url)).post('mapper', '/x')).resolves.toEqual({ ok: true });
  });
});
