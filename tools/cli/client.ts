import { CliError, EXIT } from './errors';
import { sanitize } from './output';
import { CliSettings, ServiceName } from './settings';

export { CliError, EXIT } from './errors';

const TIMEOUT_MS = 30_000;

/**
 * Failures that happen before a connection exists, so nothing was sent: safe to retry. Anything else (a reset,
 * "other side closed", a timeout while waiting or reading) may come after the service got the request.
 */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
]);

export interface RequestOptions {
  /** The command that shows whether a change that got no answer took effect, e.g. `execution list --runbook x`. */
  check?: string;
  /** A POST that changes nothing (routes test): a lost answer is reported as a read's, exit 3. */
  readOnly?: boolean;
}

/** The services' public REST APIs with the caller's token; every failure is a CliError with one line to print. */
export class ApiClient {
  constructor(
    private readonly settings: CliSettings,
    private readonly timeoutMs = TIMEOUT_MS,
  ) {}

  url(service: ServiceName): string {
    return this.settings.urls[service];
  }

  get<T = unknown>(service: ServiceName, path: string): Promise<T> {
    return this.request<T>(service, 'GET', path);
  }

  post<T = unknown>(service: ServiceName, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>(service, 'POST', path, body ?? {}, options);
  }

  put<T = unknown>(service: ServiceName, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>(service, 'PUT', path, body ?? {}, options);
  }

  delete<T = unknown>(service: ServiceName, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>(service, 'DELETE', path, body, options);
  }

  private async request<T>(service: ServiceName, method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const base = this.settings.urls[service];
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    let text: string;
    // The body is read inside the same handling: a reset or timeout while reading is as unknown as one before.
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw this.noAnswer(service, method, path, error, options);
    }
    if (!response.ok) throw this.failure(service, method, path, response.status, text);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`${service} at ${base} answered ${method} ${stripQuery(path)} with something that is not JSON`);
    }
  }

  /** Exit 3 when nothing was sent (or a read failed: retrying it is harmless); exit 4 when a change may have happened. */
  private noAnswer(service: ServiceName, method: string, path: string, error: unknown, options: RequestOptions): CliError {
    const base = this.settings.urls[service];
    const reason = networkReason(error, this.timeoutMs);
    if (!maybeSent(error)) return new CliError(`cannot reach ${service} at ${base} (${reason})`, EXIT.unreachable);
    if (method === 'GET' || options.readOnly)
      return new CliError(`no answer from ${service} at ${base} to ${method} ${stripQuery(path)} (${reason})`, EXIT.unreachable);
    return new CliError(
      `sent ${method} ${stripQuery(path)} to ${service} at ${base}, but no answer (${reason}): it may have taken effect — ` +
        `check with \`firebreak ${options.check ?? '… show/list'}\` before retrying`,
      EXIT.unknownOutcome,
    );
  }

  private failure(service: ServiceName, method: string, path: string, status: number, text: string): CliError {
    if (status === 401)
      return new CliError(
        `the token was refused (FIREBREAK_TOKEN / config token): ${service} answered 401; the token came from ${this.settings.tokenFrom}`,
        EXIT.error,
        status,
      );
    // The API names the role: "this needs the operator role; the token has viewer".
    if (status === 403) return new CliError(apiMessage(text) || 'this needs a role the token does not have', EXIT.error, status);
    return new CliError(
      `${service} answered ${status} to ${method} ${stripQuery(path)}: ${apiMessage(text) || '(no body)'}`,
      EXIT.error,
      status,
    );
  }
}

function stripQuery(path: string): string {
  return path.split('?')[0];
}

interface NetworkError {
  name?: string;
  message?: string;
  cause?: { code?: string; syscall?: string; message?: string };
}

function networkReason(error: unknown, timeoutMs: number): string {
  const err = error as NetworkError;
  if (err.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  return err.cause?.code ?? err.cause?.message ?? err.message ?? 'network error';
}

/** Whether the request may have reached the service: only errors known to come before the connection say no. */
function maybeSent(error: unknown): boolean {
  const cause = (error as NetworkError).cause;
  if (!cause) return true;
  if (cause.code && NOT_SENT.has(cause.code)) return false;
  // A connect() that timed out at the OS; fetch refusing a port it never dials.
  if (cause.code === 'ETIMEDOUT' && cause.syscall === 'connect') return false;
  return !(cause.code === undefined && cause.message === 'bad port');
}

/** The service's own error message, on one short line. */
function apiMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: { message?: unknown; details?: unknown } };
    const message = parsed.error?.message ?? parsed.message;
    if (typeof message === 'string') return oneLine(message + detailsText(parsed.error?.details));
  } catch {
    // not JSON: the text itself
  }
  return oneLine(body);
}

function detailsText(details: unknown): string {
  if (!Array.isArray(details) || details.length === 0) return '';
  const first = details[0] as { path?: unknown; message?: unknown };
  if (typeof first?.message !== 'string') return '';
  const path = Array.isArray(first.path) ? first.path.join('.') : typeof first.path === 'string' ? first.path : '';
  return ` (${path ? `${path}: ` : ''}${first.message})`;
}

const oneLine = (text: string) => sanitize(text).replace(/\s+/g, ' ').trim().slice(0, 300);
