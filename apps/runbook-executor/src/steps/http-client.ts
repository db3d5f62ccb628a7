import { pipeline, Readable, Transform, TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { Agent, request } from 'undici';
import { readLimited } from './read-limited';

/**
 * The http step's client: undici's `request()` on a keep-alive Agent, made to behave as the global `fetch` it
 * replaced (Node's fetch is undici too), at a third of its CPU per call (Request, Headers and web streams are most
 * of fetch's cost). What fetch did is kept because a step records it and runbooks rely on it: the same request
 * headers (its defaults, values trimmed, repeated names joined), the same refusals before anything is sent
 * (a body on GET/HEAD, the Fetch standard's bad ports), bodies decoded as fetch decodes them, redirects not
 * followed, the abort reason as the rejection, and errors shaped as fetch shapes them
 * (`TypeError('fetch failed', { cause })` before the answer, `TypeError('terminated', { cause })` in the body),
 * so classifyFetchError reads them as before.
 */

/** The Fetch standard's "bad port" list: fetch never connects to these. */
const BAD_PORTS = new Set(
  (
    '1 7 9 11 13 15 17 19 20 21 22 23 25 37 42 43 53 69 77 79 87 95 101 102 103 104 109 110 111 113 115 117 119 123 ' +
    '135 137 139 143 161 179 389 427 465 512 513 514 515 526 530 531 532 540 548 554 556 563 587 601 636 989 990 993 ' +
    '995 1719 1720 1723 2049 3659 4045 4190 5060 5061 6000 6566 6665 6666 6667 6668 6669 6679 6697 10080'
  ).split(' '),
);

/** Statuses whose answer has no body, which fetch does not decode. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const MAX_CONTENT_ENCODINGS = 5;

/** Defaults as the global dispatcher's (timeouts, header size, keep-alive), apart from it so no other user shares the pool. */
const agent = new Agent();

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  /** At most `max` bytes of the decoded body (the rest is discarded, not buffered); rejects as fetch's body would. */
  read(max: number): Promise<{ text: string; truncated: boolean }>;
}

export async function sendHttp(url: URL, init: HttpRequest): Promise<HttpAnswer> {
  if (init.body !== undefined && (init.method === 'GET' || init.method === 'HEAD'))
    throw new TypeError('Request with GET/HEAD method cannot have body.');
  const headers = headersAsFetch(url, init.headers);
  if (BAD_PORTS.has(url.port)) throw new TypeError('fetch failed', { cause: new Error('bad port') });
  if (init.signal.aborted) throw init.signal.reason;
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request(url, { method: init.method as 'GET', headers, body: init.body, signal: init.signal, dispatcher: agent });
  } catch (error) {
    if (init.signal.aborted) throw init.signal.reason;
    throw new TypeError('fetch failed', { cause: error });
  }
  const codings =
    init.method === 'HEAD' || NULL_BODY_STATUSES.has(answer.statusCode) ? [] : contentCodings(answer.headers['content-encoding']);
  if (codings.length > MAX_CONTENT_ENCODINGS) {
    answer.body.destroy();
    throw new TypeError('fetch failed', {
      cause: new Error(`too many content-encodings in response: ${codings.length}, maximum allowed is ${MAX_CONTENT_ENCODINGS}`),
    });
  }
  const decoders = decodersFor(codings);
  // The pipeline destroys every stream on an error, so the last one's reader sees it.
  if (decoders.length) pipeline([answer.body, ...decoders], () => undefined);
  const body: Readable = decoders.at(-1) ?? answer.body;
  return { status: answer.statusCode, read: (max) => readAsFetch(body, max, init.signal) };
}

/** The headers fetch would send: names lower-cased, values trimmed, a repeated name joined, and fetch's own defaults. */
function headersAsFetch(url: URL, given: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    const key = name.toLowerCase();
    const trimmed = value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
    headers[key] = key in headers ? `${headers[key]}, ${trimmed}` : trimmed;
  }
  headers.accept ??= '*/*';
  headers['accept-language'] ??= '*';
  headers['sec-fetch-mode'] = 'cors';
  headers['user-agent'] ??= 'node';
  if ('range' in headers) headers['accept-encoding'] = headers['accept-encoding'] ? `${headers['accept-encoding']}, identity` : 'identity';
  headers['accept-encoding'] ??= url.protocol === 'https:' ? 'br, gzip, deflate' : 'gzip, deflate';
  return headers;
}

function contentCodings(header: string | string[] | undefined): string[] {
  const value = Array.isArray(header) ? header.join(', ') : header;
  return value ? value.toLowerCase().split(',') : [];
}

/** fetch's decoders, last coding first; any coding it does not know leaves the body as it came. */
function decodersFor(codings: string[]): Transform[] {
  const decoders: Transform[] = [];
  const lenient = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i].trim();
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(zlib.createGunzip(lenient));
    else if (coding === 'deflate') decoders.push(new InflateEither(lenient));
    else if (coding === 'br')
      decoders.push(
        zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH }),
      );
    else if (coding === 'zstd' && 'createZstdDecompress' in zlib)
      decoders.push(zlib.createZstdDecompress({ flush: zlib.constants.ZSTD_e_continue, finishFlush: zlib.constants.ZSTD_e_end }));
    else return [];
  }
  return decoders;
}

/** `deflate` as fetch reads it: zlib-wrapped when the first byte says so (low nibble 8), raw deflate otherwise. */
class InflateEither extends Transform {
  private inflate?: zlib.Inflate | zlib.InflateRaw;

  constructor(private readonly options: zlib.ZlibOptions) {
    super();
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.inflate) {
      if (chunk.length === 0) return callback();
      this.inflate = (chunk[0] & 0x0f) === 0x08 ? zlib.createInflate(this.options) : zlib.createInflateRaw(this.options);
      this.inflate.on('data', (data: Buffer) => this.push(data));
      this.inflate.on('end', () => this.push(null));
      this.inflate.on('error', (error) => this.destroy(error));
    }
    this.inflate.write(chunk, encoding, callback);
  }

  override _final(callback: TransformCallback): void {
    this.inflate?.end();
    callback();
  }
}

/** The body as fetch's would fail: the abort reason when aborted, else `TypeError('terminated', { cause })`. */
async function readAsFetch(body: Readable, max: number, signal: AbortSignal): Promise<{ text: string; truncated: boolean }> {
  try {
    return await readLimited(body, max);
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new TypeError('terminated', { cause: error });
  }
}
