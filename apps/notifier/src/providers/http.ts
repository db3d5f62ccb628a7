import { IncomingHttpHeaders } from 'node:http';
import { Agent, Dispatcher } from 'undici';
import { SendOutcome } from './provider';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const EXCERPT_LENGTH = 500;
// Enough for any provider's answer; a larger one is cut rather than held in memory.
const MAX_BODY = 64 * 1024;
/**
 * One keep-alive pool per origin, at most 64 connections each (what node:http's agent allowed).
 * Requests go through undici's dispatch interface: about half the CPU of node:http per request
 * (~30 µs against ~65 µs on the bench machine; its promise API with an AbortSignal cost ~55 µs),
 * and node:http is about half of fetch's. A storm's deliveries feel each of them. Undici follows no
 * redirect unless told to.
 */
const agent = new Agent({ connections: 64 });

/**
 * The longest a `postJson` with `timeoutMs` can take: the wait for a connection and the exchange on the wire, each
 * bounded by the timeout. What a claim's lease must cover for a send.
 */
export function longestExchangeMs(timeoutMs: number): number {
  return 2 * timeoutMs;
}

/**
 * POSTs JSON and reads the answer; never follows redirects. A network failure or timeout comes
 * back as a retry, with a message that never includes the URL (it may hold a secret).
 */
export async function postJson(
  url: string,
  body: unknown,
  options: { timeoutMs: number; headers?: Record<string, string>; contentType?: string },
): Promise<HttpAnswer | Extract<SendOutcome, { result: 'retry' }>> {
  try {
    return await send(new URL(url), JSON.stringify(body), options);
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    return { result: 'retry', reason: 'network', error: `request failed: ${message || code || 'unknown error'}` };
  }
}

function send(
  url: URL,
  payload: string,
  options: { timeoutMs: number; headers?: Record<string, string>; contentType?: string },
): Promise<HttpAnswer> {
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) return reject(error);
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8').slice(0, MAX_BODY);
      resolve({ status, headers, body: text });
    };
    // Two bounds of `timeoutMs` each: the wait for one of the pool's connections, then the exchange on the wire, from
    // the request's first byte to the answer's last. One bound over both gave a request that waited long in the queue
    // (a channel's concurrency above the pool's 64 connections, a starved process) only what was left of it on the
    // wire, or nothing: under load requests went out with milliseconds left, or after their deadline (the timer not
    // run yet), and were given up as timeouts though the receiver took them; their deliveries were sent again.
    // A request still queued when its wait runs out is given up unsent, when its turn comes (onRequestStart).
    let expired = false;
    const giveUp = (what: string) => () => {
      expired = true;
      // Given up only after the I/O already waiting is read (setImmediate runs after the poll phase): a process
      // stalled past the timeout runs its due timers before it reads its sockets, and an answer that came in time
      // was given up as a timeout, the delivery sent again though the receiver had taken it.
      setImmediate(() => {
        if (settled) return;
        const timeout = new Error(`${what} within ${options.timeoutMs} ms`);
        settle(timeout);
        controller?.abort(timeout);
      });
    };
    const queuedUntil = Date.now() + options.timeoutMs;
    let timer = setTimeout(giveUp('no connection'), options.timeoutMs);
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        // Thrown, not started.abort(): undici fails a request whose start throws before writing a
        // byte, and the keep-alive connection serves the next one; abort() would destroy it, one
        // more connect for every request given up, just when the pool is overloaded. By the clock too: a
        // stalled process can start a request before it runs the timer that gave it up.
        if (settled || expired || Date.now() >= queuedUntil) throw new Error('given up');
        controller = started;
        clearTimeout(timer);
        timer = setTimeout(giveUp('no answer'), options.timeoutMs);
      },
      onResponseStart(_controller, statusCode, responseHeaders) {
        status = statusCode;
        headers = asNodeHeaders(responseHeaders);
      },
      onResponseData(reading, chunk) {
        chunks.push(chunk);
        size += chunk.length;
        // An oversized answer is cut: what came is kept, the rest is not read (the connection is closed).
        if (size >= MAX_BODY) {
          settle();
          reading.abort(new Error('answer cut'));
        }
      },
      onResponseEnd: () => settle(),
      onResponseError: (_controller, error) => settle(error),
    };
    try {
      agent.dispatch(
        {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          headers: requestHeaders(url, options),
          body: payload,
        },
        handler,
      );
    } catch (error) {
      settle(error as Error);
    }
  });
}

/**
 * As node:http's setHeader: names in any letter case, the last one given winning (undici would send
 * both, and receivers keep the first: a channel's `Authorization` or static `Idempotency-Key` would
 * beat the right one). Credentials in the URL (https://user:pass@host/…) become Basic auth only
 * when no Authorization header is given.
 */
function requestHeaders(url: URL, options: { headers?: Record<string, string>; contentType?: string }): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
    'user-agent': 'Firebreak-Notifier/1',
  };
  for (const name in options.headers) headers[name.toLowerCase()] = options.headers[name];
  if (!headers.authorization && (url.username || url.password)) headers.authorization = basicAuth(url);
  return headers;
}

// Headers of which node:http keeps the first when repeated (undici gives each repeat in an array).
const SINGLE_VALUED = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/**
 * An answer's headers as node:http gave them, which the providers read (`retry-after` as a string):
 * a repeated single-valued header is its first value, `set-cookie` always an array, other repeats
 * joined (`cookie` with "; ", the rest with ", ").
 */
function asNodeHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  for (const name in headers) {
    const value = headers[name];
    if (name === 'set-cookie') headers[name] = Array.isArray(value) ? value : [value as string];
    else if (!Array.isArray(value)) continue;
    else if (SINGLE_VALUED.has(name)) headers[name] = value[0];
    else headers[name] = value.join(name === 'cookie' ? '; ' : ', ');
  }
  return headers;
}

function basicAuth(url: URL): string {
  return `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
}

export function isAnswer(value: HttpAnswer | SendOutcome): value is HttpAnswer {
  return !('result' in value);
}

/** `Retry-After` as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: IncomingHttpHeaders, now: Date): number | undefined {
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

export function excerpt(text: string): string {
  return text.length > EXCERPT_LENGTH ? `${text.slice(0, EXCERPT_LENGTH)}…` : text;
}

/**
 * The common HTTP rules: 2xx sent; 429 retried after the hint; 5xx and 408 retried with backoff;
 * any other 4xx can never succeed as sent, so it is not retried.
 */
export function classify(answer: HttpAnswer, hintMs: number | undefined, describe: (answer: HttpAnswer) => string): SendOutcome {
  const body = excerpt(answer.body);
  if (answer.status >= 200 && answer.status < 300) return { result: 'sent', status: answer.status, excerpt: body };
  const error = `HTTP ${answer.status}: ${describe(answer)}`;
  if (answer.status === 429)
    return {
      result: 'retry',
      reason: 'throttled',
      status: 429,
      error,
      excerpt: body,
      ...(hintMs !== undefined ? { retryAfterMs: hintMs } : {}),
    };
  if (answer.status >= 500 || answer.status === 408)
    return {
      result: 'retry',
      reason: 'server_error',
      status: answer.status,
      error,
      excerpt: body,
      ...(hintMs !== undefined ? { retryAfterMs: hintMs } : {}),
    };
  return { result: 'reject', status: answer.status, error, excerpt: body };
}
