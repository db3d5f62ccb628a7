import { FailureSpec, FakeResponse, FakeServer, isRecord, RecordedRequest, retryAfterHeader } from './fake-server';

export interface SlackWebhookMessage {
  /** The webhook path, `/services/T…/B…/…`. */
  path: string;
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  body: Record<string, unknown>;
}

const MAX_BLOCKS = 50;
const MAX_SECTION_TEXT = 3000;
const FAILURE_BODIES: Record<number, string> = {
  403: 'invalid_token',
  404: 'no_service',
  410: 'channel_is_archived',
  429: 'rate_limited',
};

/** Slack incoming webhooks: success and errors are plain-text bodies, not JSON. */
export class FakeSlack extends FakeServer {
  readonly messages: SlackWebhookMessage[] = [];

  webhookUrl(path = '/services/T000/B000/XXXX'): string {
    return `${this.url}${path}`;
  }

  protected override resetState(): void {
    this.messages.length = 0;
  }

  protected override failureResponse(failure: FailureSpec): FakeResponse {
    return { status: failure.status, body: FAILURE_BODIES[failure.status] ?? 'internal_error', headers: retryAfterHeader(failure) };
  }

  protected override handle(request: RecordedRequest): FakeResponse {
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
