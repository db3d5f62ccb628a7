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

/** A Bot API call other than sendMessage (setWebhook, answerCallbackQuery, editMessageReplyMarkup…), as received. */
export interface TelegramCall {
  method: string;
  token: string;
  params: Record<string, unknown>;
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
  /** setWebhook, answerCallbackQuery and editMessageReplyMarkup calls the fake accepted. */
  readonly calls: TelegramCall[] = [];
  private nextMessageId = 1;

  constructor(private readonly options: FakeTelegramOptions = {}) {
    super();
  }

  protected override resetState(): void {
    this.messages.length = 0;
    this.calls.length = 0;
  }

  /** The accepted calls of one method. */
  callsOf(method: string): TelegramCall[] {
    return this.calls.filter((call) => call.method === method);
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
    // Telegram takes parameters from the query string as well as from the body.
    const params = { ...request.query, ...(isRecord(request.body) ? request.body : {}) };
    if (method === 'sendMessage') return this.sendMessage(token, params);
    const check = OTHER_METHODS[method];
    if (!check) return telegramError(404, 'Not Found');
    const problem = check(params);
    if (problem) return telegramError(400, `Bad Request: ${problem}`);
    this.calls.push({ method, token, params });
    return { status: 200, body: { ok: true, result: true } };
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
    const markupProblem = inlineKeyboardProblem(params.reply_markup);
    if (markupProblem) return telegramError(400, `Bad Request: ${markupProblem}`);

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

const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
// What the Bot API checks of the calls the notifier makes besides sendMessage.
const OTHER_METHODS: Record<string, (params: Record<string, unknown>) => string | undefined> = {
  setWebhook: (p) => {
    if (typeof p.url !== 'string' || !/^https?:\/\//.test(p.url)) return 'bad webhook: an HTTPS URL must be provided for webhook';
    if (p.secret_token !== undefined && (typeof p.secret_token !== 'string' || !SECRET_TOKEN.test(p.secret_token)))
      return 'bad webhook: secret token contains unallowed characters';
    return undefined;
  },
  answerCallbackQuery: (p) => {
    if (typeof p.callback_query_id !== 'string' || p.callback_query_id === '')
      return 'query is too old and response timeout expired or query ID is invalid';
    if (p.text !== undefined && (typeof p.text !== 'string' || [...p.text].length > 200)) return 'MESSAGE_TOO_LONG';
    return undefined;
  },
  editMessageReplyMarkup: (p) =>
    p.chat_id === undefined || p.message_id === undefined ? 'message to edit not found' : inlineKeyboardProblem(p.reply_markup),
};

/** An inline keyboard's buttons need a text and callback_data of 1-64 bytes. */
function inlineKeyboardProblem(markup: unknown): string | undefined {
  if (markup === undefined) return undefined;
  if (typeof markup === 'string') {
    try {
      return inlineKeyboardProblem(JSON.parse(markup) as unknown);
    } catch {
      return "can't parse reply keyboard markup JSON object";
    }
  }
  const keyboard = isRecord(markup) ? markup.inline_keyboard : undefined;
  if (!Array.isArray(keyboard) || !keyboard.every(Array.isArray)) return "can't parse reply keyboard markup JSON object";
  for (const button of keyboard.flat() as unknown[]) {
    if (!isRecord(button) || typeof button.text !== 'string' || button.text === '')
      return 'text buttons are unallowed in the inline keyboard';
    const data = button.callback_data;
    if (typeof data !== 'string' || Buffer.byteLength(data) < 1 || Buffer.byteLength(data) > 64) return 'BUTTON_DATA_INVALID';
  }
  return undefined;
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
