import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@firebreak/platform';
import { Channel } from '../channel-config/channel-set';
import { Notification, headline } from '../notifications/notification';
import { cut } from '../notifications/text';
import { NotifierConfig } from '../service';
import { hasButtons, telegramKeyboard } from './buttons';
import { classify, HttpAnswer, isAnswer, postJson } from './http';
import { ChannelProvider, Delivery, SendOutcome } from './provider';

/** Telegram counts 4096 characters after entity parsing; we count UTF-16 units, which is never fewer. */
export const TELEGRAM_MAX_TEXT = 4096;
export const TELEGRAM_CUT_MARKER = '\n… (cut: too long for Telegram)';
// One huge value must not crowd every other detail out of the message.
const MAX_VALUE = 1000;
const MAX_TEXT = 2000;

interface Segment {
  text: string;
  bold?: boolean;
  href?: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
export const escapeTelegramHtml = (text: string) => text.replace(/[&<>"]/g, (c) => HTML_ESCAPES[c]);

/**
 * The message as Telegram HTML. Values are escaped, and the cut is made on the plain text before
 * escaping, so the limit holds after entity parsing and no entity or tag is ever split.
 */
export function renderTelegramHtml(notification: Notification): string {
  return fitSegments(segmentsOf(notification), TELEGRAM_MAX_TEXT)
    .filter((segment) => segment.text !== '')
    .map(renderSegment)
    .join('');
}

function segmentsOf(n: Notification): Segment[] {
  const segments: Segment[] = [
    { text: headline(n), bold: true },
    { text: '\n' },
    { text: n.status, bold: true },
    { text: `: ${n.title}\n` },
  ];
  n.links.forEach((link, index) => segments.push({ text: index === 0 ? '' : ' | ' }, { text: link.text, href: link.href }));
  if (n.links.length > 0) segments.push({ text: '\n' });
  if (n.text) segments.push({ text: `\n${cut(n.text, MAX_TEXT)}\n` });
  if (n.details.length > 0) segments.push({ text: '\n' });
  for (const [key, value] of n.details) segments.push({ text: key, bold: true }, { text: `: ${cut(value, MAX_VALUE)}\n` });
  return segments;
}

function fitSegments(segments: Segment[], max: number): Segment[] {
  const total = segments.reduce((sum, s) => sum + s.text.length, 0);
  if (total <= max) return segments;
  const room = max - TELEGRAM_CUT_MARKER.length;
  const kept: Segment[] = [];
  let used = 0;
  for (const segment of segments) {
    if (used + segment.text.length <= room) {
      kept.push(segment);
      used += segment.text.length;
      continue;
    }
    const part = cut(segment.text, room - used, '');
    if (part) kept.push({ ...segment, text: part });
    break;
  }
  return [...kept, { text: TELEGRAM_CUT_MARKER }];
}

function renderSegment(segment: Segment): string {
  const text = escapeTelegramHtml(segment.text);
  if (segment.href) return `<a href="${escapeTelegramHtml(segment.href)}">${text}</a>`;
  return segment.bold ? `<b>${text}</b>` : text;
}

interface TelegramReply {
  ok?: boolean;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

@Injectable()
export class TelegramProvider implements ChannelProvider {
  readonly type = 'telegram' as const;

  constructor(@Inject(CONFIG) private readonly config: NotifierConfig) {}

  async send(channel: Channel, delivery: Delivery): Promise<SendOutcome> {
    if (channel.config.type !== 'telegram') throw new Error(`channel ${channel.name} is not a Telegram channel`);
    const token = channel.config.botToken;
    const url = `${this.config.TELEGRAM_API_URL.replace(/\/+$/, '')}/bot${token}/sendMessage`;
    const actions = delivery.notification.actions;
    const keyboard = actions && hasButtons(this.config, channel) ? telegramKeyboard(actions) : undefined;
    const answer = await postJson(
      url,
      {
        chat_id: delivery.target,
        text: renderTelegramHtml(delivery.notification),
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(keyboard ? { reply_markup: keyboard } : {}),
        // A follow-up answers the alert's message; if that message was deleted it is still sent, standalone.
        ...(delivery.replyToMessageId !== undefined
          ? { reply_to_message_id: Number(delivery.replyToMessageId), allow_sending_without_reply: true }
          : {}),
      },
      { timeoutMs: this.config.FIREBREAK_NOTIFY_HTTP_TIMEOUT_MS },
    );
    // The token is part of the URL: keep it out of anything stored or logged.
    if (!isAnswer(answer)) return { ...answer, error: answer.error.split(token).join('<token>') };
    const reply = parseReply(answer);
    const hint = reply.parameters?.retry_after;
    return classify(answer, typeof hint === 'number' ? hint * 1000 : undefined, () => describe(reply));
  }
}

function parseReply(answer: HttpAnswer): TelegramReply {
  try {
    const parsed: unknown = JSON.parse(answer.body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as TelegramReply) : {};
  } catch {
    return {};
  }
}

function describe(reply: TelegramReply): string {
  const migrated = reply.parameters?.migrate_to_chat_id;
  // A group upgraded to a supergroup gets a new id; the old one never works again.
  if (migrated !== undefined) return `${reply.description ?? 'chat migrated'}; use chat id ${migrated} in channels.yaml`;
  return reply.description ?? 'no description';
}
