import { createServer, IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { waitFor } from './infra';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the fields of a form-urlencoded body; undefined when empty or unparseable. */
  body: unknown;
  rawBody: string;
  receivedAt: Date;
  /** The status the fake answered with (injected failures included). */
  status: number;
}

export interface FailureSpec {
  status: number;
  retryAfterSec?: number;
}

export interface FakeResponse {
  status: number;
  /** A string is sent as text/plain, anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/**
 * A real HTTP server on 127.0.0.1 that records every request. Subclasses answer in their vendor's
 * shapes; the base owns listening, recording and failure injection.
 */
export abstract class FakeServer {
  readonly requests: RecordedRequest[] = [];
  /** Every answer waits this long first: a slow provider. */
  answerDelayMs = 0;
  /** While set, every answer (the request already recorded) waits for it: see holdAnswers. */
  private answersHeld?: Promise<void>;
  /** The most requests this fake had open at once (reset() clears it). */
  maxConcurrent = 0;
  private open = 0;
  private server?: Server;
  private baseUrl?: string;
  private pendingFailures: FailureSpec[] = [];

  protected abstract handle(request: RecordedRequest): FakeResponse | Promise<FakeResponse>;

  /**
   * Holds every answer (requests are still recorded as they come) until the returned function is called: a test
   * can act while sends are certainly on the wire, however slow the machine, instead of racing a fixed delay.
   */
  holdAnswers(): () => void {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.answersHeld = held;
    return () => {
      if (this.answersHeld === held) this.answersHeld = undefined;
      release();
    };
  }
  /** The vendor's own error shape for an injected failure. */
  protected abstract failureResponse(failure: FailureSpec): FakeResponse;
  /** Vendor state to forget on reset(). */
  protected resetState(): void {}

  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.constructor.name} is not started`);
    return this.baseUrl;
  }

  /** Requests answered with a 2xx. */
  get successfulRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300);
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      this.onRequest(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('fake server has no TCP address');
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.baseUrl = undefined;
    // fetch keeps connections alive; close() alone would wait for them to idle out.
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }

  reset(): void {
    this.requests.length = 0;
    this.maxConcurrent = 0;
    this.pendingFailures = [];
    this.resetState();
  }

  /** The next `n` requests get `failure`, answered in the vendor's error shape, before any validation. */
  failNext(n: number, failure: FailureSpec = { status: 429, retryAfterSec: 1 }): void {
    for (let i = 0; i < n; i++) this.pendingFailures.push(failure);
  }

  async waitForRequests(n: number, timeoutMs = 5000): Promise<RecordedRequest[]> {
    await waitFor(() => this.successfulRequests.length >= n, {
      timeoutMs,
      message: () => `${this.constructor.name} expected ${n} successful requests, got ${this.successfulRequests.length}`,
    });
    return this.successfulRequests;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.open++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.open);
    try {
      await this.answer(req, res);
    } finally {
      this.open--;
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: parseBody(rawBody, req.headers['content-type']),
      rawBody,
      receivedAt: new Date(),
      status: 0,
    };
    const failure = this.pendingFailures.shift();
    const response = failure ? this.failureResponse(failure) : await this.handle(request);
    request.status = response.status;
    this.requests.push(request);
    const delayMs = (response.delayMs ?? 0) + this.answerDelayMs;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (this.answersHeld) await this.answersHeld;
    send(res, response);
  }
}

export function retryAfterHeader(failure: FailureSpec): Record<string, string> {
  return failure.retryAfterSec === undefined ? {} : { 'retry-after': String(failure.retryAfterSec) };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, response: FakeResponse): void {
  if (res.destroyed) return;
  const text = typeof response.body === 'string';
  const payload = response.body === undefined ? '' : text ? (response.body as string) : JSON.stringify(response.body);
  res.writeHead(response.status, {
    'content-type': text ? 'text/plain; charset=utf-8' : 'application/json',
    ...response.headers,
  });
  res.end(payload);
}
