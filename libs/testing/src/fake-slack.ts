import { createHmac } from 'node:crypto';
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

/** A message an app sent to an interaction's `response_url` (`ephemeral`: only the presser sees it). */
export interface SlackResponseUrlPost {
  path: string;
  text?: string;
  responseType?: string;
  replaceOriginal?: boolean;
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
  /** Posts to interactions' response_url. */
  readonly responses: SlackResponseUrlPost[] = [];
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

  /** A response_url as Slack puts in an interaction payload (`https://hooks.slack.com/actions/T…/…/…`). */
  responseUrl(id = 'A000/XXXX'): string {
    return `${this.url}/actions/T000/${id}`;
  }

  /** The next `n` chat.postMessage calls fail with this Web API error (after the token is checked). */
  failNextPosts(n: number, failure: SlackApiFailure): void {
    for (let i = 0; i < n; i++) this.apiFailures.push(failure);
  }

  protected override resetState(): void {
    this.messages.length = 0;
    this.posts.length = 0;
    this.responses.length = 0;
    this.apiFailures = [];
  }

  protected override failureResponse(failure: FailureSpec): FakeResponse {
    return { status: failure.status, body: FAILURE_BODIES[failure.status] ?? 'internal_error', headers: retryAfterHeader(failure) };
  }

  protected override handle(request: RecordedRequest): FakeResponse {
    if (request.path.startsWith('/api/')) return this.webApi(request);
    if (request.path.startsWith('/actions/')) return this.responseUrlPost(request);
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

  /** Slack answers a response_url post with `{ok: true}`; it takes JSON only. */
  private responseUrlPost(request: RecordedRequest): FakeResponse {
    if (request.method !== 'POST') return slackError(405, 'invalid_method');
    if (!isRecord(request.body) || !String(request.headers['content-type'] ?? '').startsWith('application/json'))
      return apiError('invalid_payload', 400);
    const body = request.body;
    this.responses.push({
      path: request.path,
      text: typeof body.text === 'string' ? body.text : undefined,
      responseType: typeof body.response_type === 'string' ? body.response_type : undefined,
      replaceOriginal: typeof body.replace_original === 'boolean' ? body.replace_original : undefined,
      body,
    });
    return { status: 200, body: { ok: true } };
  }

  /** Unique, increasing `seconds.micros` timestamps, as Slack's message ids are. */
  private nextTs(): string {
    this.lastTs = Math.max(this.lastTs + 1, Date.now() * 1000);
    return `${Math.floor(this.lastTs / 1e6)}.${String(this.lastTs % 1e6).padStart(6, '0')}`;
  }
}

/**
 * Headers Slack sends with an interaction: `X-Slack-Signature` = `v0=` + hex HMAC-SHA256 of
 * `v0:<timestamp>:<raw body>` under the app's signing secret. `timestampSec` defaults to now.
 */
export function slackSignatureHeaders(signingSecret: string, rawBody: string, timestampSec = Math.floor(Date.now() / 1000)) {
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${rawBody}`).digest('hex');
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestampSec),
    'x-slack-signature': `v0=${signature}`,
  };
}

/** A `block_actions` payload as Slack posts it when someone presses a button, form-encoded (`payload=<json>`). */
export function slackBlockActionsBody(input: {
  userId: string;
  actionId: string;
  value: string;
  responseUrl: string;
  triggerId?: string;
  actionTs?: string;
}): string {
  const payload = {
    type: 'block_actions',
    user: { id: input.userId, username: `user-${input.userId}`, team_id: 'T000' },
    api_app_id: 'A000',
    team: { id: 'T000', domain: 'example' },
    trigger_id: input.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}`,
    response_url: input.responseUrl,
    container: { type: 'message', channel_id: 'C0ALERTS', message_ts: '1700000000.000100' },
    channel: { id: 'C0ALERTS', name: 'alerts' },
    actions: [
      {
        type: 'button',
        block_id: 'firebreak_actions',
        action_id: input.actionId,
        value: input.value,
        text: { type: 'plain_text', text: 'x' },
        action_ts: input.actionTs ?? `${(Date.now() / 1000).toFixed(6)}`,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
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
    if (block.type === 'actions') return actionsAreValid(block.elements);
    if (block.type !== 'section' || !isRecord(block.text)) return true;
    return typeof block.text.text === 'string' && block.text.text.length <= MAX_SECTION_TEXT;
  });
}

/** Slack's limits for an actions block: 1-25 elements, unique action_ids, button values up to 2000 characters. */
function actionsAreValid(elements: unknown): boolean {
  if (!Array.isArray(elements) || elements.length === 0 || elements.length > 25) return false;
  const ids = new Set<string>();
  for (const element of elements) {
    if (!isRecord(element) || typeof element.action_id !== 'string' || ids.has(element.action_id)) return false;
    if (element.value !== undefined && (typeof element.value !== 'string' || element.value.length > 2000)) return false;
    ids.add(element.action_id);
  }
  return true;
}

function slackError(status: number, code: string): FakeResponse {
  return { status, body: code };
}
