import { Agent as HttpAgent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SendOutcome } from './provider';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const EXCERPT_LENGTH = 500;
// Enough for any provider's answer; a larger one is cut rather than held in memory.
const MAX_BODY = 64 * 1024;
// node:http with keep-alive costs about half the CPU of fetch per request, which a storm feels.
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

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
    return await send(new URL(url), Buffer.from(JSON.stringify(body)), options);
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    return { result: 'retry', reason: 'network', error: `request failed: ${message || code || 'unknown error'}` };
  }
}

function send(
  url: URL,
  payload: Buffer,
  options: { timeoutMs: number; headers?: Record<string, string>; contentType?: string },
): Promise<HttpAnswer> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = {
    'content-type': options.contentType ?? 'application/json',
    'content-length': String(payload.length),
    'user-agent': 'Firebreak-Notifier/1',
    ...options.headers,
  };
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: agents[url.protocol as 'http:' | 'https:'] }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_BODY) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY) });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(payload);
  });
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
