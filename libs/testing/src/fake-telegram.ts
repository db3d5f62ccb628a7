import { FailureSpec, FakeResponse, FakeServer, isRecord, RecordedRequest } from './fake-server';
import { parseTelegramHtml } from './telegram-html';

export interface TelegramMessage {
  messageId: number;
  token: string;
  chatId: number | string;
  /** The text as sent, before entity parsing. */
  text: string;
  parseMode?: string;
  body: Record<string, unknown>;
}

export interface FakeTelegramOptions {
  /** When set, any other bot token gets 401; by default every token is accepted. */
  validToken?: string;
}

const MAX_TEXT_LENGTH = 4096;
const PARSE_MODES = new Set(['HTML', 'MarkdownV2', 'Markdown']);
const FAILURE_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden: bot was kicked from the group chat',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
};

/** Telegram Bot API: `POST /bot<token>/sendMessage`. Point a client's API base URL at `url`. */
export class FakeTelegram extends FakeServer {
  readonly messages: TelegramMessage[] = [];
  private nextMessageId = 1;

  constructor(private readonly options: FakeTelegramOptions = {}) {
    super();
  }

  protected override resetState(): void {
    this.messages.length = 0;
  }

  protected override failureResponse({ status, retryAfterSec }: FailureSpec): FakeResponse {
    if (status === 429) {
      const retryAfter = retryAfterSec ?? 1;
      return telegramError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter });
    }
    return telegramError(status, FAILURE_DESCRIPTIONS[status] ?? 'Internal Server Error');
  }

  protected override handle(request: RecordedRequest): FakeResponse {
    const route = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(request.path);
    if (!route) return telegramError(404, 'Not Found');
    const [, token, method] = route;
    if (this.options.validToken !== undefined && token !== this.options.validToken) {
      return telegramError(401, 'Unauthorized');
    }
    if (method !== 'sendMessage') return telegramError(404, 'Not Found');
    // Telegram takes parameters from the query string as well as from the body.
    const params = { ...request.query, ...(isRecord(request.body) ? request.body : {}) };
    return this.sendMessage(token, params);
  }

  private sendMessage(token: string, params: Record<string, unknown>): FakeResponse {
    const chatId = normalizeChatId(params.chat_id);
    if (chatId === undefined) return telegramError(400, 'Bad Request: chat_id is empty');
    const text = typeof params.text === 'string' ? params.text : '';
    const parseMode = typeof params.parse_mode === 'string' && params.parse_mode !== '' ? params.parse_mode : undefined;
    if (parseMode && !PARSE_MODES.has(parseMode)) return telegramError(400, 'Bad Request: unsupported parse_mode');

    let plain = text;
    if (parseMode === 'HTML') {
      const parsed = parseTelegramHtml(text);
      if (!parsed.ok) return telegramError(400, `Bad Request: can't parse entities: ${parsed.error}`);
      plain = parsed.text;
    }
    if (plain.trim() === '') return telegramError(400, 'Bad Request: message text is empty');
    // The limit counts characters after entity parsing, not UTF-16 units.
    if ([...plain].length > MAX_TEXT_LENGTH) return telegramError(400, 'Bad Request: message is too long');

    const messageId = this.nextMessageId++;
    this.messages.push({ messageId, token, chatId, text, parseMode, body: params });
    return {
      status: 200,
      body: {
        ok: true,
        result: {
          message_id: messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chatId, type: 'group' },
          text: plain,
        },
      },
    };
  }
}

function telegramError(status: number, description: string, parameters?: Record<string, unknown>): FakeResponse {
  return { status, body: { ok: false, error_code: status, description, ...(parameters && { parameters }) } };
}

/** Form bodies carry every value as a string; numeric chat ids come back as numbers. */
function normalizeChatId(value: unknown): number | string | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value === '') return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : value;
}
