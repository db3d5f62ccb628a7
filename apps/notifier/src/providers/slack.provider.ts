import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { headline, Notification, statusLine } from '../notifications/notification';
import { cut, prefixFittingEscaped } from '../notifications/text';
import { NotifierConfig } from '../service';
import { SLACK_API_URL } from '../channel-config/channels.config';
import { hasButtons, slackActionsBlock } from './buttons';
import { classify, excerpt, HttpAnswer, isAnswer, postJson, retryAfterMs } from './http';
import { ChannelProvider, Delivery, SendOutcome } from './provider';

const MAX_BLOCKS = 50;
const MAX_SECTION = 2900; // Slack's limit is 3000; room for our own line breaks.
const MAX_HEADER = 150;
const MAX_VALUE = 1500;
const MAX_FALLBACK = 3000;
const MAX_TEXT_OBJECT = 3000;
const CUT = '…';

const SLACK_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
/** Slack's only control characters; escaped, `<!channel>` or `<@U123>` in a label is just text. */
export const escapeSlack = (text: string) => text.replace(/[&<>]/g, (c) => SLACK_ESCAPES[c]);
const escapedLength = (char: string) => SLACK_ESCAPES[char]?.length ?? char.length;

/** Escapes and cuts so that the escaped text fits `max` and never ends inside an entity. */
function escapeFitting(text: string, max: number): string {
  const fitting = prefixFittingEscaped(text, max, escapedLength);
  return fitting.length === text.length
    ? escapeSlack(text)
    : escapeSlack(prefixFittingEscaped(text, max - CUT.length, escapedLength)) + CUT;
}

const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });

/**
 * Block Kit: header, the status and title, the text, the details as `key: value` lines, links.
 * Values go in plain_text objects, so Markdown in a label shows as typed instead of formatting
 * the message, and they are escaped for Slack's `&`, `<`, `>` rules as well.
 */
export function renderSlackMessage(n: Notification, options: { buttons?: boolean } = {}): { text: string; blocks: unknown[] } {
  const blocks: unknown[] = [{ type: 'header', text: plain(escapeFitting(headline(n), MAX_HEADER)) }];
  blocks.push({ type: 'section', text: plain(escapeFitting(statusLine(n), MAX_SECTION)) });
  if (n.text) blocks.push({ type: 'section', text: plain(escapeFitting(n.text, MAX_SECTION)) });
  for (const chunk of chunkLines(n.details.map(([key, value]) => escapeFitting(`${key}: ${cut(value, MAX_VALUE)}`, MAX_SECTION)))) {
    blocks.push({ type: 'section', text: plain(chunk) });
  }
  // Slack refuses the whole message (invalid_blocks, never retried) for a text object over 3000
  // characters: a link that long (Prometheus generator URLs can be) is left out rather than lose the page.
  const context = n.links
    .map((link) => ({ type: 'mrkdwn', text: `<${slackUrl(link.href)}|${escapeSlack(link.text)}>` }))
    .filter((element) => element.text.length <= MAX_TEXT_OBJECT);
  if (n.fingerprint) context.push({ type: 'mrkdwn', text: `fingerprint ${escapeSlack(n.fingerprint)}` });
  const actions = options.buttons && n.actions ? slackActionsBlock(n.actions) : undefined;
  const tail = (context.length ? 1 : 0) + (actions ? 1 : 0);
  const fitted =
    blocks.length + tail > MAX_BLOCKS
      ? [...blocks.slice(0, MAX_BLOCKS - 1 - tail), { type: 'section', text: plain('… (more details cut)') }]
      : blocks;
  if (actions) fitted.push(actions);
  if (context.length) fitted.push({ type: 'context', elements: context.slice(0, 10) });
  return { text: escapeFitting(`${headline(n)} — ${statusLine(n)}`, MAX_FALLBACK), blocks: fitted };
}

function chunkLines(lines: string[]): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + 1 + line.length > MAX_SECTION) {
      chunks.push(current);
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) chunks.push(current);
  return chunks;
}

/** A link target inside `<url|text>`: only http(s) reaches here; `|`, `<`, `>` would end the link early. */
function slackUrl(href: string): string {
  return href.replace(/[|<>]/g, (c) => encodeURIComponent(c)).replace(/&/g, '&amp;');
}

@Injectable()
export class SlackProvider implements ChannelProvider {
  readonly type = 'slack' as const;

  constructor(@Inject(CONFIG) private readonly config: NotifierConfig) {}

  async send(channel: Channel, delivery: Delivery): Promise<SendOutcome> {
    const config = channel.config;
    if (config.type !== 'slack') throw new Error(`channel ${channel.name} is not a Slack channel`);
    const message = renderSlackMessage(delivery.notification, { buttons: hasButtons(this.config, channel) });
    const timeoutMs = this.config.FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS;
    if (config.webhookUrl !== undefined) {
      const answer = await postJson(config.webhookUrl, message, { timeoutMs });
      if (!isAnswer(answer)) return answer;
      // Incoming webhooks answer in plain text: `ok`, or an error code such as `channel_is_archived`.
      return classify(answer, retryAfterMs(answer.headers, new Date()), (a) => a.body.slice(0, 200) || 'no body');
    }
    const url = `${(config.apiUrl ?? SLACK_API_URL).replace(/\/+$/, '')}/chat.postMessage`;
    const body = {
      channel: config.channelId,
      ...message,
      // A follow-up goes in the alert's thread; if the alert's message never went out it stands alone.
      ...(delivery.replyToMessageId !== undefined ? { thread_ts: delivery.replyToMessageId } : {}),
    };
    // The token travels only in this header: never in the URL, an error or anything stored.
    const answer = await postJson(url, body, {
      timeoutMs,
      contentType: 'application/json; charset=utf-8',
      headers: { authorization: `Bearer ${config.botToken}` },
    });
    return isAnswer(answer) ? webApiOutcome(answer) : answer;
  }
}

interface WebApiReply {
  ok?: boolean;
  error?: string;
  ts?: string;
  channel?: string;
}

// Slack's side, not ours: worth another try with backoff.
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

/**
 * The Web API answers most errors with HTTP 200 and `{ok:false, error}`. `ratelimited` (HTTP 429 with
 * Retry-After) waits and retries; Slack's own failures retry; every other error (invalid_auth,
 * channel_not_found, not_in_channel, invalid_blocks…) cannot succeed as sent.
 */
function webApiOutcome(answer: HttpAnswer): SendOutcome {
  const reply = parseReply(answer.body);
  const hintMs = retryAfterMs(answer.headers, new Date());
  if (answer.status < 200 || answer.status >= 300) return classify(answer, hintMs, () => reply.error ?? 'no error code');
  if (reply.ok === true) {
    // Stored as the delivery's answer: the ts at its head is what a follow-up threads under.
    return { result: 'sent', status: answer.status, excerpt: excerpt(JSON.stringify({ ok: true, channel: reply.channel, ts: reply.ts })) };
  }
  const code = reply.error ?? 'no error code';
  const failed = { status: answer.status, error: `Slack API error: ${code}`, excerpt: excerpt(answer.body) };
  if (code === 'ratelimited')
    return { result: 'retry', reason: 'throttled', ...failed, ...(hintMs !== undefined ? { retryAfterMs: hintMs } : {}) };
  if (TRANSIENT_ERRORS.has(code)) return { result: 'retry', reason: 'server_error', ...failed };
  return { result: 'reject', ...failed };
}

function parseReply(body: string): WebApiReply {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as WebApiReply) : {};
  } catch {
    return {};
  }
}
