import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { freePort } from '@firebreak/testing';
import { classifyFetchError } from './fetch-errors';
import { sendHttp } from './http-client';
import { readLimited } from './read-limited';

// The http step's client against the global fetch it replaced, on the same local servers: what a target receives
// and what the step reads back must be the same, whichever of the two sent it.
let server: Server;
let base: string;
let handler: (request: IncomingMessage, response: ServerResponse) => void;
let received: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push(request.headers);
    request.resume();
    request.on('end', () => handler(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  handler = (_request, response) => response.end('{"ok":true}');
});

type Init = { method: string; headers: Record<string, string>; body?: string };
const signal = () => new AbortController().signal;

async function viaFetch(path: string, init: Init, max = 64 * 1024) {
  const response = await fetch(`${base}${path}`, { ...init, signal: signal(), redirect: 'manual' });
  const read = response.body ? await readLimited(Readable.fromWeb(response.body as never), max) : { text: '', truncated: false };
  return { status: response.status, ...read };
}

async function viaClient(path: string, init: Init, max = 64 * 1024) {
  const answer = await sendHttp(new URL(`${base}${path}`), { ...init, signal: signal() });
  return { status: answer.status, ...(await answer.read(max)) };
}

/** The headers and the answer of the same request by fetch and by the client. */
async function both(path: string, init: Init, max?: number) {
  const fetched = await viaFetch(path, init, max);
  const sent = await viaClient(path, init, max);
  expect(received).toHaveLength(2);
  return { fetched, sent, headers: received };
}

describe('the http client, beside fetch', () => {
  it('sends the headers fetch sends: its defaults, names lower-cased, values trimmed, a name given twice joined', async () => {
    const init = { method: 'GET', headers: { 'X-Token': '  abc ', 'x-token': 'def', Accept: 'application/json' } };
    const { fetched, sent, headers } = await both('/headers', init);
    expect(sent).toEqual(fetched);
    expect(headers[1]).toEqual(headers[0]);
    expect(headers[1]).toMatchObject({ 'x-token': 'abc, def', accept: 'application/json', 'user-agent': 'node' });
  });

  it('sends a body with its content type and length as fetch does, and reads a redirect without following it', async () => {
    handler = (_request, response) => response.writeHead(302, { location: 'http://elsewhere.invalid/' }).end('moved');
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":"é"}' };
    const { fetched, sent, headers } = await both('/post', init);
    expect(sent).toEqual({ status: 302, text: 'moved', truncated: false });
    expect(sent).toEqual(fetched);
    expect(headers[1]).toEqual(headers[0]);
  });

  const text = JSON.stringify({ message: 'x'.repeat(2_000) });
  const encoded: Array<[string, Buffer]> = [
    ['gzip', zlib.gzipSync(text)],
    ['x-gzip', zlib.gzipSync(text)],
    ['deflate', zlib.deflateSync(text)],
    ['deflate', zlib.deflateRawSync(text)],
    ['br', zlib.brotliCompressSync(text)],
    ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(text))],
    ['compress', Buffer.from('as sent')],
  ];
  it.each(encoded)('decodes a %s body as fetch does', async (coding, body) => {
    handler = (_request, response) => response.writeHead(200, { 'content-encoding': coding }).end(body);
    const { fetched, sent } = await both('/encoded', { method: 'GET', headers: {} });
    expect(sent).toEqual(fetched);
    expect(sent.text).toBe(coding === 'compress' ? 'as sent' : text);
  });

  it('cuts a body at the limit, decoded bytes counted, as fetch did', async () => {
    handler = (_request, response) => response.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync('y'.repeat(100_000)));
    const { fetched, sent } = await both('/big', { method: 'GET', headers: {} }, 1_000);
    expect(sent).toEqual({ status: 200, text: 'y'.repeat(1_000), truncated: true });
    expect(sent).toEqual(fetched);
  });

  it('reads no body of a HEAD or a 204, whatever their content-encoding says', async () => {
    handler = (_request, response) => response.writeHead(204, { 'content-encoding': 'gzip' }).end();
    const noContent = await both('/empty', { method: 'GET', headers: {} });
    expect(noContent.sent).toEqual(noContent.fetched);
    received = [];
    handler = (_request, response) => response.writeHead(200, { 'content-encoding': 'gzip', 'content-length': '20' }).end();
    const head = await both('/head', { method: 'HEAD', headers: {} });
    expect(head.sent).toEqual({ status: 200, text: '', truncated: false });
    expect(head.sent).toEqual(head.fetched);
  });

  it('fails as fetch fails: no answer, a body cut off, a body that does not decode, a request never sent', async () => {
    const error = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (failure: unknown) => failure,
      );
    const kinds = async (path: string, init: Init, url = base) => {
      const byFetch = await error(fetch(`${url}${path}`, { ...init, signal: signal() }).then((r) => r.text()));
      const byClient = await error(sendHttp(new URL(`${url}${path}`), { ...init, signal: signal() }).then((a) => a.read(64 * 1024)));
      expect(byClient).toBeInstanceOf(TypeError);
      expect((byClient as Error).message).toBe((byFetch as Error).message);
      return [classifyFetchError(byFetch), classifyFetchError(byClient)];
    };
    const [refusedByFetch, refused] = await kinds('/', { method: 'GET', headers: {} }, `http://127.0.0.1:${await freePort()}`);
    expect(refused).toEqual(refusedByFetch);
    expect(refused).toEqual({ kind: 'no-answer', cause: 'ECONNREFUSED' });
    handler = (_request, response) => {
      response.writeHead(200, { 'content-length': '1000' });
      response.write('partial', () => response.socket?.destroy());
    };
    const [cutByFetch, cut] = await kinds('/cut', { method: 'GET', headers: {} });
    expect(cut).toEqual(cutByFetch);
    handler = (_request, response) => response.writeHead(200, { 'content-encoding': 'gzip' }).end('not gzip at all');
    const [corruptByFetch, corrupt] = await kinds('/corrupt', { method: 'GET', headers: {} });
    expect(corrupt).toEqual(corruptByFetch);
    const [badPortByFetch, badPort] = await kinds('/', { method: 'GET', headers: {} }, 'http://127.0.0.1:6000');
    expect(badPort).toEqual(badPortByFetch);
    expect(badPort).toEqual({ kind: 'not-sent', cause: 'bad port' });
  });
});
