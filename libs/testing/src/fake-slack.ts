import { FailureSpec, FakeResponse, FakeServer, isRecord, RecordedRequest, retryAfterHeader } from './fake-server';

export interface SlackWebhookMessage {
  /** The webhook path, `/services/T…/B…/…`. */
  path: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  body: Record<string, unknown>;
}

/** A `chat.postMessage` call the Web API accepted. */
export interface SlackPostedMessage {
  ts: string;
  channel: string;
  token: string;
  text?: string;
  blocks?: unknown[];
  /** The ts of the parent message when posted in a thread. */
  threadTs?: string;
  body: Record<string, unknown>;
}

export interface FakeSlackOptions {
  /** When set, `chat.postMessage` answers `invalid_auth` for any other bot token; by default any token is accepted. */
  validToken?: string;
  /** When set, other channel ids answer `channel_not_found`; by default every id is known. */
  channels?: string[];
}

/** A Web API error for the next `chat.postMessage` calls; `ratelimited` comes as HTTP 429 with Retry-After. */
export interface SlackApiFailure {
  error: string;
  retryAfterSec?: number;
}

const MAX_BLOCKS = 50;
const MAX_SECTION_TEXT = 3000;
const FAILURE_BODIES: Record<number, string> = {
  403: 'invalid_token',
  404: 'no_service',
  410: 'channel_is_archived',
  429: 'rate_limited',
};

/**
 * Slack incoming webhooks (`/services/…`: success and errors are plain-text bodies, not JSON) and the
 * Web API's `chat.postMessage` (`/api/…`: JSON `{ok, …}`, most errors with HTTP 200).
 */
export class FakeSlack extends FakeServer {
  /** Webhook messages. */
  readonly messages: SlackWebhookMessage[] = [];
  /** Web API posts. */
  readonly posts: SlackPostedMessage[] = [];
  private apiFailures: SlackApiFailure[] = [];
  private lastTs = 0;

  constructor(private readonly options: FakeSlackOptions = {}) {
    super();
  }

  webhookUrl(path = '/services/T000/B000/XXXX'): string {
    return `${this.url}${path}`;
  }

  /** The Web API base, as `https://slack.com/api`. */
  get apiUrl(): string {
    return `${this.url}/api`;
  }

  /** The next `n` chat.postMessage calls fail with this Web API error (after the token is checked). */
  failNextPosts(n: number, failure: SlackApiFailure): void {
    for (let i = 0; i < n; i++) this.apiFailures.push(failure);
  }

  protected override resetState(): void {
    this.messages.length = 0;
    this.posts.length = 0;
    this.apiFailures = [];
  }

  protected override failureResponse(failure: FailureSpec): FakeResponse {
    return { status: failure.status, body: FAILURE_BODIES[failure.status] ?? 'internal_error', headers: retryAfterHeader(failure) };
  }

  protected override handle(request: RecordedRequest): FakeResponse {
    if (request.path.startsWith('/api/')) return this.webApi(request);
    if (!request.path.startsWith('/services/')) return slackError(404, 'no_service');
    if (request.method !== 'POST') return slackError(405, 'invalid_method');
    const body = payloadOf(request.body);
    if (!body) return slackError(400, 'invalid_payload');

    const text = typeof body.text === 'string' && body.text !== '' ? body.text : undefined;
    const blocks = Array.isArray(body.blocks) ? (body.blocks as unknown[]) : undefined;
    const attachments = Array.isArray(body.attachments) ? (body.attachments as unknown[]) : undefined;
    if (body.blocks !== undefined && !blocks) return slackError(400, 'invalid_blocks');
    if (!text && !blocks?.length && !attachments?.length) return slackError(400, 'no_text');
    if (blocks && !blocksAreValid(blocks)) return slackError(400, 'invalid_blocks');

    this.messages.push({ path: request.path, text, blocks, attachments, body });
    return { status: 200, body: 'ok' };
  }

  private webApi(request: RecordedRequest): FakeResponse {
    if (request.path !== '/api/chat.postMessage') return apiError('unknown_method', 404);
    const body = isRecord(request.body) ? request.body : {};
    const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const token = bearer ?? (typeof body.token === 'string' ? body.token : undefined);
    if (!token) return apiError('not_authed');
    if (this.options.validToken !== undefined && token !== this.options.validToken) return apiError('invalid_auth');
    const failure = this.apiFailures.shift();
    if (failure?.error === 'ratelimited') {
      return { ...apiError('ratelimited', 429), headers: { 'retry-after': String(failure.retryAfterSec ?? 1) } };
    }
    if (failure) return apiError(failure.error);

    const channel = typeof body.channel === 'string' ? body.channel : '';
    if (!channel) return apiError('channel_not_found');
    if (this.options.channels && !this.options.channels.includes(channel)) return apiError('channel_not_found');
    // JSON bodies carry blocks as an array; form bodies as a JSON string.
    const blocks = typeof body.blocks === 'string' ? parseArray(body.blocks) : body.blocks;
    if (body.blocks !== undefined && (!Array.isArray(blocks) || !blocksAreValid(blocks))) return apiError('invalid_blocks');
    const text = typeof body.text === 'string' && body.text !== '' ? body.text : undefined;
    if (!text && !(blocks as unknown[] | undefined)?.length) return apiError('no_text');
    const threadTs = typeof body.thread_ts === 'string' && body.thread_ts !== '' ? body.thread_ts : undefined;

    const ts = this.nextTs();
    this.posts.push({ ts, channel, token, text, blocks: blocks as unknown[] | undefined, threadTs, body });
    return {
      status: 200,
      body: {
        ok: true,
        channel,
        ts,
        message: { type: 'message', user: 'U0FAKEBOT', text: text ?? '', ts, ...(threadTs ? { thread_ts: threadTs } : {}) },
      },
    };
  }

  /** Unique, increasing `seconds.micros` timestamps, as Slack's message ids are. */
  private nextTs(): string {
    this.lastTs = Math.max(this.lastTs + 1, Date.now() * 1000);
    return `${Math.floor(this.lastTs / 1e6)}.${String(this.lastTs % 1e6).padStart(6, '0')}`;
  }
}

function apiError(error: string, status = 200): FakeResponse {
  return { status, body: { ok: false, error } };
}

function parseArray(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Webhooks also take a form field `payload` holding the JSON. */
function payloadOf(body: unknown): Record<string, unknown> | undefined {
  if (isRecord(body) && typeof body.payload === 'string') {
    try {
      const inner: unknown = JSON.parse(body.payload);
      return isRecord(inner) ? inner : undefined;
    } catch {
      return undefined;
    }
  }
  return isRecord(body) ? body : undefined;
}

function blocksAreValid(blocks: unknown[]): boolean {
  if (blocks.length > MAX_BLOCKS) return false;
  return blocks.every((block) => {
    if (!isRecord(block) || typeof block.type !== 'string') return false;
    if (block.type !== 'section' || !isRecord(block.text)) return true;
    return typeof block.text.text === 'string' && block.text.text.length <= MAX_SECTION_TEXT;
  });
}

function slackError(status: number, code: string): FakeResponse {
  return { status, body: code };
}
