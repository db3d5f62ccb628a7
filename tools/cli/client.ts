import { CliError, EXIT } from './errors';
import { sanitize } from './output';
import { CliSettings, ServiceName } from './settings';

export { CliError, EXIT } from './errors';

const TIMEOUT_MS = 30_000;

/** The services' public REST APIs with the caller's token; every failure is a CliError with one line to print. */
export class ApiClient {
  constructor(private readonly settings: CliSettings) {}

  url(service: ServiceName): string {
    return this.settings.urls[service];
  }

  get<T = unknown>(service: ServiceName, path: string): Promise<T> {
    return this.request<T>(service, 'GET', path);
  }

  post<T = unknown>(service: ServiceName, path: string, body?: unknown): Promise<T> {
    return this.request<T>(service, 'POST', path, body ?? {});
  }

  put<T = unknown>(service: ServiceName, path: string, body?: unknown): Promise<T> {
    return this.request<T>(service, 'PUT', path, body ?? {});
  }

  delete<T = unknown>(service: ServiceName, path: string, body?: unknown): Promise<T> {
    return this.request<T>(service, 'DELETE', path, body);
  }

  private async request<T>(service: ServiceName, method: string, path: string, body?: unknown): Promise<T> {
    const base = this.settings.urls[service];
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.settings.token) headers.authorization = `Bearer ${this.settings.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new CliError(`cannot reach ${service} at ${base} (${networkReason(error)})`, EXIT.unreachable);
    }
    const text = await response.text();
    if (!response.ok) throw this.failure(service, method, path, response.status, text);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CliError(`${service} at ${base} answered ${method} ${stripQuery(path)} with something that is not JSON`);
    }
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

function networkReason(error: unknown): string {
  const err = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (err.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  return err.cause?.code ?? err.cause?.message ?? err.message ?? 'network error';
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
