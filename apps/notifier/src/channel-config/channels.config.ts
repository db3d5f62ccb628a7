import { z } from 'zod';
import { describeZodError, parseMatchers, SeveritySchema } from '@firebreak/contracts';

const channelName = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be 1-63 lowercase letters, digits, ".", "_" or "-"');
const rateLimit = z
  .strictObject({
    perMinute: z.number().int().min(1).max(100_000).default(10),
    burst: z.number().int().min(1).max(10_000).default(20),
  })
  .default({ perMinute: 10, burst: 20 });
// Sends on the wire at once: a crash can repeat at most this many (each with its idempotency key).
const concurrency = z.number().int().min(1).max(1_000).default(4);
// analysis: post the knowledge service's analysis of an alert as a follow-up to its firing message (chat, webhooks).
const common = { name: channelName, rateLimit, concurrency, fold: z.boolean().optional(), analysis: z.boolean().optional() };

// Secret fields are plain strings here: an unset ${ENV} leaves them empty and disables the channel;
// their format is checked (checkSecrets) only for channels that are enabled.
export const ChannelSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...common,
    type: z.literal('telegram'),
    botToken: z.string(),
    chatIds: z.union([z.array(z.union([z.string(), z.number().int()])), z.string()]),
  }),
  // Slack: an incoming webhook, or the Web API (botToken + channelId), which can thread follow-ups.
  z.strictObject({
    ...common,
    type: z.literal('slack'),
    webhookUrl: z.string().optional(),
    botToken: z.string().optional(),
    channelId: z.string().optional(),
    apiUrl: z.string().optional(),
  }),
  z.strictObject({ ...common, type: z.literal('pagerduty'), routingKey: z.string() }),
  z.strictObject({ ...common, type: z.literal('webhook'), url: z.string(), headers: z.record(z.string(), z.string()).default({}) }),
]);
export type ChannelConfig = z.infer<typeof ChannelSchema>;
export type ChannelType = ChannelConfig['type'];

export const RouteSchema = z.strictObject({
  matchers: z.array(z.string()).default([]),
  channels: z.array(z.string()).min(1),
  minSeverity: SeveritySchema.optional(),
  continue: z.boolean().default(false),
});

export const ChannelsFileSchema = z.strictObject({
  channels: z.array(z.record(z.string(), z.unknown())),
  routes: z.array(z.unknown()).default([]),
});

const isHttpUrl = (value: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

/** What is wrong with an enabled channel's secrets, never quoting the secret itself. */
export function checkSecrets(channel: ChannelConfig): string[] {
  switch (channel.type) {
    case 'telegram':
      return [
        ...(/^[^\s/]+$/.test(channel.botToken) ? [] : ['botToken: must be a bot token (no spaces or "/")']),
        ...(chatIdsOf(channel).length > 0 ? [] : ['chatIds: at least one chat id is needed']),
        ...chatIdsOf(channel)
          .filter((id) => !/^(-?\d+|@[A-Za-z0-9_]{4,})$/.test(id))
          .map((id) => `chatIds: "${id}" is not a chat id (a number or @channelname)`),
      ];
    case 'slack':
      if (channel.webhookUrl !== undefined) return isHttpUrl(channel.webhookUrl) ? [] : ['webhookUrl: must be an http(s) URL'];
      return [
        ...(/^[^\s]+$/.test(channel.botToken ?? '') ? [] : ['botToken: must be a bot token (no spaces)']),
        ...(/^[A-Z0-9]+$/.test(channel.channelId ?? '') ? [] : ['channelId: must be a Slack channel id such as C0123456789']),
      ];
    case 'pagerduty':
      return /^[A-Za-z0-9]{32}$/.test(channel.routingKey) ? [] : ['routingKey: must be the 32-character integration key'];
    case 'webhook':
      return isHttpUrl(channel.url) ? [] : ['url: must be an http(s) URL'];
  }
}

export const SLACK_API_URL = 'https://slack.com/api';

/** Which fields belong together, checked whether or not the channel's secrets are set. */
export function checkShape(channel: ChannelConfig): string[] {
  if (channel.type === 'webhook') return checkHeaders(channel.headers);
  if (channel.type !== 'slack') return [];
  const webApi = channel.botToken !== undefined || channel.channelId !== undefined;
  if (channel.webhookUrl !== undefined && webApi) return ['give either webhookUrl or botToken + channelId, not both'];
  if (channel.webhookUrl === undefined && !webApi) return ['needs webhookUrl (incoming webhook) or botToken + channelId (Web API)'];
  if (webApi && (channel.botToken === undefined || channel.channelId === undefined))
    return [
      `${channel.botToken === undefined ? 'botToken' : 'channelId'}: needed with ${channel.botToken === undefined ? 'channelId' : 'botToken'}`,
    ];
  if (channel.apiUrl !== undefined && !webApi) return ['apiUrl: only used with botToken + channelId'];
  if (channel.apiUrl !== undefined && !isHttpUrl(channel.apiUrl)) return ['apiUrl: must be an http(s) URL'];
  return [];
}

// Framing and connection headers belong to the HTTP client (undici refuses most of them, and a given
// Content-Length can only be wrong); names must be tokens, values one line of Latin-1 text.
const CLIENT_HEADERS = new Set(['connection', 'content-length', 'expect', 'keep-alive', 'transfer-encoding', 'upgrade']);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * A webhook's headers as the HTTP client will take them, so a bad one stops start-up naming the
 * channel and header instead of failing every delivery as a network error. Values are never quoted
 * (they may hold a secret); names are compared regardless of letter case, as they are sent.
 */
function checkHeaders(headers: Record<string, string>): string[] {
  const seen = new Set<string>();
  return Object.entries(headers).flatMap(([name, value]) => {
    const key = name.toLowerCase();
    const problem = !HEADER_NAME.test(name)
      ? 'is not a valid header name'
      : CLIENT_HEADERS.has(key)
        ? 'is set by the HTTP client and cannot be given'
        : seen.has(key)
          ? 'is given twice (letter case aside)'
          : !HEADER_VALUE.test(value)
            ? 'value must be one line of text (no line breaks or control characters)'
            : undefined;
    seen.add(key);
    return problem ? [`headers.${HEADER_NAME.test(name) ? name : JSON.stringify(name)}: ${problem}`] : [];
  });
}

/** Telegram chat ids from a list or a comma-separated string (as the seeds' ALERT_CHAT_IDS). */
export function chatIdsOf(channel: Extract<ChannelConfig, { type: 'telegram' }>): string[] {
  const ids = typeof channel.chatIds === 'string' ? channel.chatIds.split(',') : channel.chatIds.map(String);
  return ids.map((id) => id.trim()).filter(Boolean);
}

export function parseRoute(raw: unknown, where: string, problems: string[]) {
  const result = RouteSchema.safeParse(raw);
  if (!result.success) {
    problems.push(...describeZodError(result.error).map((issue) => `${where}.${issue}`));
    return undefined;
  }
  const matchers = result.data.matchers.flatMap((text, index) => {
    try {
      return parseMatchers(text);
    } catch (error) {
      problems.push(`${where}.matchers[${index}]: ${(error as Error).message}`);
      return [];
    }
  });
  return { ...result.data, matchers };
}
